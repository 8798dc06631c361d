/**
 * More of the fixed tokens PocketBase's API tests send against its test data folder (HS256,
 * signed with the folder's keys). `PB_TOKENS` in testdata.ts holds the two most used ones.
 */
import { PB_TOKENS } from "./testdata.ts";

const HEAD = "eyJhbGciOiJIUzI1NiJ9";
const HEAD_TYP = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

export const TOKENS = {
  ...PB_TOKENS,
  /** users/oap640cot4yru2s (test2@example.com), auth, exp 2050. */
  user2: `${HEAD}.eyJpZCI6Im9hcDY0MGNvdDR5cnUycyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.GfJo6EHIobgas_AXt-M-tj5IoQendPnrkMSe9ExuSEY`,
  /** clients/gk390qegs4y47wn (test@example.com), auth, exp 2050. */
  client: `${HEAD}.eyJpZCI6ImdrMzkwcWVnczR5NDd3biIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoidjg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.0ONnm_BsvPRZyDNT31GN1CKUB6uQRxvVvQ-Wc9AZfG0`,
  /** users/4q1xlclmfloku33, a non-refreshable ("static") auth token, exp 2050. */
  userStatic: `${HEAD}.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6ZmFsc2V9.4IsO6YMsR19crhwl_YWzvRH8pfq2Ri4Gv2dzGyneLak`,
  /** users/4q1xlclmfloku33, auth, expired in 2022. */
  userExpired: `${HEAD}.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoxNjQwOTkxNjYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.2D3tmqPn3vc5LoqqCz8V-iCDVXo9soYiH0d32G7FQT4`,
  /** _superusers/sywbhecnh46rhm0, auth, expired in 2022. */
  superuserExpired: `${HEAD}.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoicGJjXzMxNDI2MzU4MjMiLCJleHAiOjE2NDA5OTE2NjEsInJlZnJlc2hhYmxlIjp0cnVlfQ.0pDcBPGDpL2Khh76ivlRi7ugiLBSYvasct3qpHV3rfs`,
  /** users/4q1xlclmfloku33, a file token, exp 2050. */
  userFile: `${HEAD_TYP}.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8ifQ.nSTLuCPcGpWn2K2l-BFkC3Vlzc-ZTDPByYq8dN1oPSo`,
  /** _superusers/sywbhecnh46rhm0, a file token, exp 2050. */
  superuserFile: `${HEAD_TYP}.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.Lupz541xRvrktwkrl55p5pPCF77T69ZRsohsIcb2dxc`,
  /** _superusers/sywbhecnh46rhm0, a file token, expired in 2022. */
  superuserFileExpired: `${HEAD_TYP}.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsImV4cCI6MTY0MDk5MTY2MSwidHlwZSI6ImZpbGUiLCJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyJ9.nqqtqpPhxU0045F4XP_ruAkzAidYBc5oPy9ErN3XBq0`,
} as const;

/** PocketBase's `"Authorization"` header for a token (raw, no scheme, as its tests send it). */
export const bearer = (token: string) => ({ token });
