/** Settings API (§1.4): read and patch the app settings, secrets never returned. */
import type { Router } from "./http/router.ts";
import { SettingsListRequestEvent, SettingsUpdateRequestEvent } from "../core/hook-events.ts";
import {
  SettingsDecodeError,
  mergeSettings,
  redactSettings,
  type Settings,
} from "../core/settings/settings-model.ts";
import { ValidationErrors } from "../tools/validation.ts";
import { badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** Registers the settings routes. */
export function bindSettingsApi(router: Router<ApiEnv>): void {
  router.get("/api/settings", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const event = new SettingsListRequestEvent(await requestEventArgs(c), {
      settings: structuredClone(app.settings()),
    });
    await app.hooks.onSettingsListRequest.trigger(event, (e) => {
      e.response = jsonResponse(c, 200, redactSettings(e.settings));
    });
    return event.response ?? c.body(null, 200);
  });

  router.patch("/api/settings", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    const oldSettings = structuredClone(app.settings());
    let merged: Settings;
    try {
      merged = mergeSettings(app.settings(), body);
    } catch (err) {
      if (err instanceof SettingsDecodeError)
        throw badRequest("An error occurred while loading the submitted data.");
      throw err;
    }
    const event = new SettingsUpdateRequestEvent(await requestEventArgs(c), {
      oldSettings,
      newSettings: merged,
    });
    await app.hooks.onSettingsUpdateRequest.trigger(event, async (e) => {
      try {
        await e.app.saveSettings(e.newSettings);
      } catch (err) {
        if (err instanceof ValidationErrors)
          throw badRequest("An error occurred while saving the new settings.", err);
        throw err;
      }
      e.response = jsonResponse(c, 200, redactSettings(e.app.settings()));
    });
    return event.response ?? c.body(null, 200);
  });
}
