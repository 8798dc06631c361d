/**
 * The notes app: its collection (created on first start), a hook that derives a slug and counts
 * words, and two routes.
 */
import { BadRequestError, registerHooks, ValidationError, type App } from "satchel";

/** The `notes` collection, as PocketBase's collections import takes it. */
const NOTES = {
  name: "notes",
  type: "base",
  listRule: "",
  viewRule: "",
  createRule: "",
  fields: [
    { name: "title", type: "text", required: true, max: 200 },
    { name: "body", type: "text" },
    { name: "slug", type: "text" },
    { name: "words", type: "number" },
  ],
};

const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Registers the notes hooks and routes on an app (before it bootstraps). */
export async function setupNotes(app: App): Promise<void> {
  await registerHooks(app, (app) => {
    app.onBootstrap(async (e) => {
      await e.next();
      if (!app.findCollectionByNameOrId("notes")) await app.importCollections([NOTES]);
    });

    app.onRecordCreate(async (e) => {
      const title = e.record.getString("title");
      if (title.toLowerCase().includes("spam")) {
        throw new BadRequestError("Invalid note.", {
          title: new ValidationError("spam", "No spam, please."),
        });
      }
      e.record.set("slug", slugify(title));
      e.record.set("words", e.record.getString("body").split(/\s+/).filter(Boolean).length);
      await e.next();
    }, "notes");

    // GET /api/notes/by-slug/{slug}: one note by its slug
    app.routerAdd("GET", "/api/notes/by-slug/{slug}", async (e) => {
      const note = await e.app.findFirstRecordByData("notes", "slug", e.request.pathValue("slug"));
      e.json(200, note);
    });

    // GET /api/notes/stats: how many notes and words there are
    app.routerAdd("GET", "/api/notes/stats", async (e) => {
      e.json(200, await noteStats(e.app));
    });
  });
}

/** The number of notes and the words in them. */
export async function noteStats(app: Pick<App, "findAllRecords">): Promise<{ notes: number; words: number }> {
  const notes = await app.findAllRecords("notes");
  return { notes: notes.length, words: notes.reduce((sum, n) => sum + Number(n.get("words") ?? 0), 0) };
}
