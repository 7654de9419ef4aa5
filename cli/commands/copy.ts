import fs from "node:fs";
import path from "node:path";
import { checkPostgres, open, openPostgres, redactUrl } from "../../db/client";
import { CopyError, copySqliteToPostgres } from "../../db/copy";
import { migrateToLatest } from "../../db/migrate";
import { type Command, UsageError } from "../command";

/**
 * `copy --from sqlite:FILE --to postgres://…`: moves a whole database to PostgreSQL with its audit
 * chain as it is (docs/decisions/025-postgresql-engine.md). The target is migrated first and must
 * hold no centers, users or audit rows; everything is copied in one transaction, so a failed copy
 * leaves it empty. `audit verify` with DATABASE_URL set to the target then passes under the same key.
 */
export const copyCommand: Command = {
  name: "copy",
  summary: "Copy a whole SQLite database into an empty PostgreSQL database (audit chain intact): copy --from sqlite:FILE --to postgres://…",
  usage: "copy --from sqlite:FILE --to postgres://USER@HOST:PORT/DATABASE",
  options: { from: { type: "string" }, to: { type: "string" } },
  needsDb: false,
  async run({ values, out, err }) {
    const from = String(values.from ?? "");
    const to = String(values.to ?? "");
    if (!from.startsWith("sqlite:")) throw new UsageError("--from must be sqlite:FILE");
    if (!/^postgres(ql)?:\/\//i.test(to)) throw new UsageError("--to must be a postgres:// URL");
    const file = path.resolve(from.slice("sqlite:".length));
    if (!fs.existsSync(file)) {
      err.write(`No such file: ${file}. Nothing was copied.\n`);
      return 1;
    }
    const source = open(file);
    try {
      await checkPostgres(to);
      const target = openPostgres(to);
      try {
        await migrateToLatest(target);
        const started = Date.now();
        const summary = await copySqliteToPostgres(source.sqlite, target);
        out.write(
          `Copied ${file} to ${redactUrl(to)}: ${summary.tables} tables, ${summary.rows.toLocaleString("en-US")} rows ` +
            `(${summary.auditRows.toLocaleString("en-US")} audit rows) in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
            `Check it with: DATABASE_URL=${redactUrl(to)} npm run -s cli -- audit verify (same AUDIT_KEY or .audit-key)\n`,
        );
        return 0;
      } catch (error) {
        if (error instanceof CopyError) {
          err.write(`${error.message}\n`);
          return 1;
        }
        throw error;
      } finally {
        await target.destroy();
      }
    } finally {
      await source.db.destroy();
    }
  },
};
