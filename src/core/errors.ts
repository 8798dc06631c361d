/**
 * Domain errors that the API layer maps to a status (`toApiError` in `src/api/errors.ts`).
 * Core throws these; it never builds HTTP errors itself.
 */

/**
 * Something looked up does not exist (Go's `sql.ErrNoRows`): answered 404 by the API. App
 * methods such as `findRecordById` throw it where PocketBase returns "no rows".
 */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(message = "sql: no rows in result set") {
    super(message);
  }
}
