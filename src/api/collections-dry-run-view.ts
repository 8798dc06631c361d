/**
 * `POST /api/collections/meta/dry-run-view` (§1.3, superusers): the fields a view collection
 * with this SELECT would get and up to 10 sample records, without saving anything. The query
 * runs on a separate read-only connection (its TEMP view lives and dies there).
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Router } from "./http/router.ts";
import { newCollection } from "../core/collections/collection-defaults.ts";
import { collectionToApiJson } from "../core/collections/collection-json.ts";
import { inferViewFields, sqliteViewColumns, viewSelectSql } from "../core/collections/collection-view.ts";
import { Record } from "../core/records/record.ts";
import { ValidationError, errors } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";
import { jsonResponse } from "./response.ts";

const MAX_QUERY_LENGTH = 5000;
const SAMPLE_SIZE = 10;
const INVALID_DATA = "An error occurred while validating the submitted data.";

/** Registers the route. */
export function bindCollectionsDryRunViewApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/meta/dry-run-view", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    const query = typeof body.query === "string" ? body.query : "";
    if (query.trim() === "") throw badRequest(INVALID_DATA, { query: errors.required() });
    if (query.length > MAX_QUERY_LENGTH) {
      throw badRequest(INVALID_DATA, { query: errors.lengthTooLong(MAX_QUERY_LENGTH) });
    }
    const db = new DatabaseSync(join(app.dataDir, "data.db"), { readOnly: true, timeout: 10_000 });
    try {
      const collection = newCollection("view", "dry_run");
      try {
        collection.fields = await inferViewFields(query, {
          findCollectionByName: (name) => app.findCollectionByNameOrId(name),
          viewColumns: sqliteViewColumns(db),
        });
      } catch (err) {
        if (err instanceof ValidationError) throw badRequest(INVALID_DATA, { query: err });
        throw err;
      }
      const rows = db.prepare(`SELECT * FROM (${viewSelectSql(query)}) LIMIT ${SAMPLE_SIZE}`).all();
      const sample = rows.map((row) => Record.fromRow(collection, row).toPublicJson());
      const { fields } = collectionToApiJson(collection);
      return jsonResponse(c, 200, { fields, sample });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "Failed to dry-run the view query.", {}, err);
    } finally {
      db.close();
    }
  });
}
