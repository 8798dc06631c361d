/**
 * Paging parameters of list endpoints (§6.1): `page` (default 1), `perPage` (default 30, capped
 * at 1000), `skipTotal` (Go bool parsing). Non-numeric values are a 400.
 */
import { badRequest } from "./errors.ts";

/** Parsed paging parameters. */
export interface Paging {
  page: number;
  perPage: number;
  skipTotal: boolean;
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function int(raw: string | null, fallback: number): number {
  if (raw === null || raw === "") return fallback;
  if (!/^[-+]?\d+$/.test(raw.trim())) throw badRequest("Invalid pagination parameters.");
  return Number(raw.trim());
}

/** Reads paging parameters from a URL's query. */
export function parsePaging(query: URLSearchParams): Paging {
  let page = int(query.get("page"), 1);
  let perPage = int(query.get("perPage"), 30);
  if (page <= 0) page = 1;
  if (perPage <= 0) perPage = 30;
  if (perPage > 1000) perPage = 1000;
  const rawSkip = query.get("skipTotal");
  let skipTotal = false;
  if (rawSkip !== null && rawSkip !== "") {
    if (TRUE.has(rawSkip)) skipTotal = true;
    else if (!FALSE.has(rawSkip)) throw badRequest("Invalid skipTotal parameter.");
  }
  return { page, perPage, skipTotal };
}

/** PocketBase's list envelope, in its key order. */
export function listResult<T>(
  items: T[],
  paging: Paging,
  totalItems: number,
): {
  items: T[];
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
} {
  return {
    items,
    page: paging.page,
    perPage: paging.perPage,
    totalItems: paging.skipTotal ? -1 : totalItems,
    totalPages: paging.skipTotal ? -1 : Math.ceil(totalItems / paging.perPage),
  };
}
