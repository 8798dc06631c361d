/**
 * What a hooks folder registers, as plain data: the loader worker runs the files' top-level code
 * once and records every `on*`, `routerAdd`, `routerUse` and `cronAdd` call with the source text
 * of its functions (as PocketBase does: handlers are recompiled from their text in the pool, so
 * they never close over file-level variables). The main thread binds these; pool workers compile
 * the sources by index.
 */

/** A script function captured at registration: its source text and where it was registered. */
export interface FnSource {
  source: string;
  file: string;
  /** The line of the registration call (1-based), for error locations. */
  line: number;
}

/** A built-in `$apis.*` middleware or handler, named with its arguments. */
export interface ApisRef {
  apis: string;
  args: unknown[];
  id: string;
  priority: number;
}

/** A middleware: a script function (index into `handlers`) or a built-in. */
export type MiddlewareReg =
  { kind: "script"; handler: number; priority: number; id: string } | ({ kind: "apis" } & ApisRef);

/** `on<Hook>(handler, ...tags)`. */
export interface HookReg {
  hook: string;
  tags: string[];
  handler: number;
}

/** `routerAdd(method, path, handler, ...middlewares)`. */
export interface RouteReg {
  method: string;
  path: string;
  handler: MiddlewareReg;
  middlewares: MiddlewareReg[];
}

/** `cronAdd(id, expr, fn)`. */
export interface CronReg {
  id: string;
  expr: string;
  handler: number;
}

/**
 * `$app.rootCmd.addCommand(new Command({use, short, run}))`: a console command, run by
 * `satchel <name> [args]` (its `run(cmd, args)` in the pool); subcommands as `name sub`.
 */
export interface CommandReg {
  /** The words that call it (`["hello"]`, or `["db", "seed"]` for a subcommand). */
  path: string[];
  use: string;
  short: string;
  /** Its `run` function (index into `handlers`), or null for a group of subcommands. */
  handler: number | null;
}

/** Everything a hooks folder registered. */
export interface Registrations {
  /** Every captured function; registrations refer to them by index. */
  handlers: FnSource[];
  hooks: HookReg[];
  routes: RouteReg[];
  middlewares: MiddlewareReg[];
  crons: CronReg[];
  /** `cronRemove(id)` calls made at load time (after any cronAdd of the same id). */
  removedCrons: string[];
  commands: CommandReg[];
}

/** An empty set of registrations. */
export function emptyRegistrations(): Registrations {
  return { handlers: [], hooks: [], routes: [], middlewares: [], crons: [], removedCrons: [], commands: [] };
}

/** The ids and priorities PocketBase gives its `$apis` middlewares. */
export const APIS_MIDDLEWARES: { [name: string]: { id: string; priority: number } } = {
  requireGuestOnly: { id: "pbRequireGuestOnly", priority: 0 },
  requireAuth: { id: "pbRequireAuth", priority: 0 },
  requireSuperuserAuth: { id: "pbRequireSuperuserAuth", priority: 0 },
  requireSuperuserOrOwnerAuth: { id: "pbRequireSuperuserOrOwnerAuth", priority: 0 },
  requireSameCollectionContextAuth: { id: "pbRequireSameCollectionContextAuth", priority: 0 },
  skipSuccessActivityLog: { id: "pbSkipSuccessActivityLog", priority: 0 },
  gzip: { id: "pbGzip", priority: 0 },
  bodyLimit: { id: "pbBodyLimit", priority: -990 },
  static: { id: "", priority: 0 },
};
