/** `satchel superuser upsert|create|update|delete EMAIL [PASSWORD]`. */
import type { App } from "../core/app.ts";
import {
  createSuperuser,
  deleteSuperuser,
  updateSuperuserPassword,
  upsertSuperuser,
} from "../core/records/superusers.ts";
import { createSuperuserOTP } from "../core/records/record-auth-superuser-otp.ts";
import { ValidationErrors } from "../tools/validation.ts";

function describe(err: unknown): string {
  if (err instanceof ValidationErrors) {
    return Object.entries(err.errors)
      .map(([k, v]) => `${k}: ${v instanceof Error ? v.message : JSON.stringify(v)}`)
      .join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}

/** Runs a superuser subcommand; returns the exit code. */
export async function runSuperuser(app: App, positionals: string[]): Promise<number> {
  const [action, email, password] = positionals;
  const needsPassword = action === "upsert" || action === "create" || action === "update";
  if (!action || !["upsert", "create", "update", "delete", "otp"].includes(action)) {
    throw new Error(
      `unknown superuser command "${action ?? ""}" (expected upsert, create, update, delete or otp)`,
    );
  }
  if (!email) throw new Error("missing email argument");
  if (needsPassword && !password) throw new Error("missing password argument");
  await app.bootstrap();
  try {
    if (action === "otp") {
      const otp = await createSuperuserOTP(app, email);
      process.stdout.write(
        `Successfully created OTP for superuser "${email}":\n` +
          `  id:    ${otp.id}\n  pass:  ${otp.password}\n  valid: ${otp.validSeconds}s\n`,
      );
      return 0;
    }
    if (action === "delete") {
      const deleted = await deleteSuperuser(app, email);
      process.stdout.write(
        deleted
          ? `Successfully deleted superuser "${email}".\n`
          : `Superuser "${email}" is missing or already deleted.\n`,
      );
      return 0;
    }
    const fn =
      action === "upsert" ? upsertSuperuser : action === "create" ? createSuperuser : updateSuperuserPassword;
    await fn(app, email, password!);
    process.stdout.write(`Successfully saved superuser "${email}".\n`);
    return 0;
  } catch (err) {
    throw new Error(describe(err));
  } finally {
    await app.terminate();
  }
}
