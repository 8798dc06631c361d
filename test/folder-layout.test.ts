/**
 * The default folder layout (pb_data, pb_hooks, pb_migrations, pb_public) with a foreign file
 * where a folder or a database must be: the command stops with one line naming the path and
 * exit 1, and the file is left exactly as it was, nothing created beside it. Run with
 * `node bin/satchel.js` (the layout in the working folder) and with the single executable copied
 * alone into a folder and started from another one with an empty environment, as `env -i` (its
 * layout next to it; skipped, saying so, when it isn't built).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EXECUTABLE, executableMissing } from "./helpers/executable.ts";
import { tempDir } from "./helpers/server.ts";

const BIN = fileURLToPath(new URL("../bin/satchel.js", import.meta.url));

interface Layout {
  /** Where the layout lives. */
  home: string;
  /** Runs the command with `args`, returning its exit code and output. */
  run: (args: string[]) => { status: number | null; stdout: string; stderr: string };
}

type Hookable = { after(fn: () => unknown): void };

const RUNNERS: { name: string; skip: string | false; layout(t: Hookable): Layout }[] = [
  {
    name: "node bin/satchel.js, in the working folder",
    skip: false,
    layout(t) {
      const home = tempDir(t, "satchel-layout-");
      return {
        home,
        run: (args) =>
          spawnSync(process.execPath, [BIN, ...args], {
            cwd: home,
            env: {},
            encoding: "utf8",
            timeout: 60_000,
          }),
      };
    },
  },
  {
    name: "the single executable, next to it, env -i from elsewhere",
    skip: executableMissing(),
    layout(t) {
      const home = tempDir(t, "satchel-exe-");
      const elsewhere = tempDir(t, "satchel-cwd-");
      const exe = join(home, "satchel");
      copyFileSync(EXECUTABLE, exe);
      spawnSync("chmod", ["+x", exe]);
      return {
        home,
        run: (args) => spawnSync(exe, args, { cwd: elsewhere, env: {}, encoding: "utf8", timeout: 60_000 }),
      };
    },
  },
];

/** Random bytes: certainly not an SQLite file. */
const FOREIGN = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));

const SERVE = ["serve", "--http=127.0.0.1:0"];

for (const runner of RUNNERS) {
  describe(`a foreign file in the folder layout (${runner.name})`, { skip: runner.skip }, () => {
    /** Puts `content` at `path` (under home), runs `args`, asserts the one-line refusal and no change. */
    const refused = (
      t: Hookable,
      path: string,
      content: Buffer | string,
      args: string[],
      message: RegExp,
    ) => {
      const { home, run } = runner.layout(t);
      const file = join(home, path);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, content);
      const before = readdirSync(home, { recursive: true, encoding: "utf8" }).sort();
      const r = run(args);
      assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
      assert.ok(r.stderr.includes(file), `names ${file}: ${r.stderr}`);
      assert.deepEqual(readFileSync(file), Buffer.from(content), "the file is untouched");
      assert.deepEqual(
        readdirSync(home, { recursive: true, encoding: "utf8" }).sort(),
        before,
        "nothing created",
      );
    };

    test("a file named pb_data", (t) => {
      refused(
        t,
        "pb_data",
        "notes\n",
        SERVE,
        /^Error: \S+ is not a folder but the data folder must be one; .*--dir\n$/,
      );
    });

    test("a data.db that is not SQLite (serve and superuser)", (t) => {
      const notSqlite =
        /^Error: \S+data\.db is not an SQLite database \(corrupt or foreign file\); it was left untouched/;
      refused(t, "pb_data/data.db", FOREIGN, SERVE, notSqlite);
      refused(
        t,
        "pb_data/data.db",
        FOREIGN,
        ["superuser", "upsert", "a@example.com", "1234567890"],
        notSqlite,
      );
    });

    test("an auxiliary.db shorter than SQLite's header", (t) => {
      refused(t, "pb_data/auxiliary.db", "SQLite", SERVE, /auxiliary\.db is not an SQLite database/);
    });

    for (const [folder, flag] of [
      ["pb_hooks", "--hooksDir"],
      ["pb_migrations", "--migrationsDir"],
      ["pb_public", "--publicDir"],
    ]) {
      test(`a file named ${folder}`, (t) => {
        refused(t, folder!, "x", SERVE, new RegExp(`${folder} is not a folder but .* ${flag}\\n$`));
      });
    }

    test("the layout, when right, is created there", (t) => {
      const { home, run } = runner.layout(t);
      const r = run(["superuser", "upsert", "a@example.com", "1234567890"]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(join(home, "pb_data", "data.db")));
      assert.ok(existsSync(join(home, "pb_data", "auxiliary.db")));
    });
  });
}
