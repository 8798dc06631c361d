/** OAuth2 mechanics: provider registry, shared exchange, id_token checks. */
export type { AuthUser, ProviderConfig, ProviderDefinition, ProviderOverrides } from "./provider.ts";
export { PROVIDERS, findProvider, isKnownProvider, providerInfos } from "./registry.ts";
export {
  EXCHANGE_TIMEOUT_MS,
  OAuth2ProviderError,
  exchangeCode,
  fetchAuthUser,
  resolveConfig,
  startAuthorization,
  type AuthorizationStart,
  type CodeExchange,
} from "./exchange.ts";
export { setIdTokenLeeway } from "./id-token.ts";
