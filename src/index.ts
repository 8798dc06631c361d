/**
 * Satchel's framework API: what `import … from "satchel"` gives. A first, small surface (the
 * App, the errors handlers throw, the record and collection types); it widens as the
 * extension points land.
 */
export { App, type AppConfig } from "./core/app.ts";
export { startServer, type RunningServer } from "./api/server.ts";
export { ApiError, NotFoundError, badRequest, unauthorized, forbidden, notFound } from "./api/errors.ts";
export { ValidationError, ValidationErrors, type ErrorTree } from "./tools/validation.ts";
export { Record, type AuthRecord } from "./core/records/record.ts";
export type { Collection, CollectionType, AuthOptions } from "./core/collections/collection-model.ts";
