/** `stats`: a command of the program, run against the data folder without serving it. */
import type { CliCommand } from "satchel";
import { noteStats } from "./notes.ts";

export const statsCommand: CliCommand = {
  usage: "[--json]   prints how many notes and words there are",
  flags: { json: "boolean" },
  async run(app, args) {
    const stats = await noteStats(app);
    process.stdout.write(
      args.flags.json ? `${JSON.stringify(stats)}\n` : `${stats.notes} notes, ${stats.words} words\n`,
    );
    return 0;
  },
};
