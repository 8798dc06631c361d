/**
 * `satchel migrate [up | down [N] | create NAME | collections | history-sync]`, with PocketBase's
 * output. Questions are asked on a terminal; when stdin is not one, a piped answer is read, and
 * no input at all means yes, so that deploy scripts run unattended.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import type { App } from "../core/app.ts";
import {
  applyPendingMigrations,
  migrationsToRevert,
  revertMigrations,
  syncMigrationHistory,
  type MigrationLoader,
} from "../core/migrations/app-migrations.ts";
import { migrationCollectionJson } from "../core/migrations/automigrate.ts";
import { migrationFileName } from "../core/migrations/migration-files.ts";
import { blankMigration, snapshotMigration } from "../core/migrations/migration-templates.ts";

/** Where `migrate` finds and writes its files, and how it runs them. */
export interface MigrateOptions {
  dir: string;
  load: MigrationLoader;
}

/** Asks a yes/no question (see the module comment for how non-terminals answer). */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  try {
    const answer = await new Promise<string | null>((resolve) => {
      rl.once("close", () => resolve(null));
      rl.question(`${question} [y/N] `, resolve);
    });
    if (answer === null) {
      process.stdout.write("\n");
      return !process.stdin.isTTY;
    }
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function cancelled(): number {
  process.stdout.write("The command has been cancelled\n");
  return 0;
}

async function createFile(path: string, content: string): Promise<number> {
  if (!(await confirm(`Do you really want to create migration "${path}"?`))) return cancelled();
  if (existsSync(path)) throw new Error(`migration file "${path}" already exists`);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  process.stdout.write(`Successfully created file "${path}"\n`);
  return 0;
}

/** Runs a migrate subcommand on a bootstrapped app; returns the exit code. */
export async function runMigrate(app: App, positionals: string[], options: MigrateOptions): Promise<number> {
  const [command = "up", arg] = positionals;
  switch (command) {
    case "up": {
      const applied = await applyPendingMigrations(app, options.dir, options.load);
      if (applied.length === 0) process.stdout.write("No new migrations to apply.\n");
      for (const file of applied) process.stdout.write(`Applied ${file}\n`);
      return 0;
    }
    case "down": {
      const count = arg === undefined ? 1 : Number(arg);
      if (!Number.isInteger(count)) throw new Error(`invalid number of migrations to revert: "${arg}"`);
      const files = await migrationsToRevert(app, options.dir, count);
      if (files.length === 0) {
        process.stdout.write("No migrations to revert.\n");
        return 0;
      }
      process.stdout.write(`${files.map((f) => `- ${f}`).join("\n")}\n`);
      const question = `Do you really want to revert the last ${files.length} applied migration(s)?`;
      if (!(await confirm(question))) return cancelled();
      for (const file of await revertMigrations(app, options.dir, options.load, count)) {
        process.stdout.write(`Reverted ${file}\n`);
      }
      return 0;
    }
    case "create": {
      if (!arg) throw new Error("missing migration file name");
      return createFile(join(options.dir, migrationFileName(arg)), blankMigration());
    }
    case "collections": {
      const snapshot = app.findAllCollections().map(migrationCollectionJson);
      return createFile(
        join(options.dir, migrationFileName("collections_snapshot")),
        snapshotMigration(snapshot),
      );
    }
    case "history-sync": {
      await syncMigrationHistory(app, options.dir);
      process.stdout.write("The _migrations table was synced with the available migrations.\n");
      return 0;
    }
    default:
      throw new Error(`unsupported command: "${command}"`);
  }
}
