/**
 * Satchel's framework API: what `import … from "satchel"` gives, to TypeScript hooks modules
 * (`pb_hooks/*.pb.ts`) and to Node programs that embed Satchel. Only what is listed here is
 * public; everything else is internal and may change.
 */
export { App, type AppConfig } from "./core/app.ts";
export { startServer, type RunningServer } from "./api/server.ts";
export { ApiError } from "./api/errors.ts";
export {
  BadRequestError,
  ForbiddenError,
  HttpError,
  InternalServerError,
  NotFoundApiError as NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
} from "./api/error-classes.ts";
/** What the App's finders throw when nothing matches (PocketBase's `sql: no rows in result set`). */
export { NotFoundError as NoRowsError } from "./core/errors.ts";
export { ValidationError, ValidationErrors, type ErrorTree } from "./tools/validation.ts";
export { Record, type AuthRecord } from "./core/records/record.ts";
export type { RecordQueryBuilder } from "./core/records/record-query-builder.ts";
export type { Collection, CollectionType, AuthOptions } from "./core/collections/collection-model.ts";
export type { HookEventMap, HookName } from "./core/hooks.ts";
export * from "./core/hook-events.ts";
export { HooksRuntime, type HooksOptions } from "./hooks/runtime.ts";
export {
  ModuleRequestEvent,
  registerHooks,
  type ModuleApp,
  type ModuleMiddleware,
} from "./hooks/module-hooks.ts";
export { runCli } from "./cli/main.ts";
export type { CliCommand, CliOptions } from "./cli/custom-commands.ts";
export type { FlagSpec, ParsedArgs } from "./cli/args.ts";
import type { ModuleApp } from "./hooks/module-hooks.ts";

/** The signature of a TypeScript hooks module's default export. */
export type HooksModule = (app: ModuleApp) => void | Promise<void>;
