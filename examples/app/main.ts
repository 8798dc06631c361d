/**
 * A small program built on Satchel's framework API: a notes backend with its own hooks, routes
 * and CLI command, started like the `satchel` binary (`serve`, `superuser`, `migrate`, … plus
 * `stats`).
 *
 *   node --conditions=satchel-source examples/app/main.ts serve --dir=/tmp/notes-data   (a checkout)
 *   node main.ts serve                                                     (satchel installed from npm)
 *   node main.ts stats --dir=/tmp/notes-data
 */
import { runCli } from "satchel";
import { statsCommand } from "./stats-command.ts";
import { setupNotes } from "./notes.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  // every App the command line builds (serve, stats, …) gets the notes hooks and routes
  setup: setupNotes,
  commands: { stats: statsCommand },
});
