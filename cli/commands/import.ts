import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { IMPORT_TYPES, isImportType, progressLine, type ImportType } from "../../app/import";
import { exportCsvChunks } from "../../app/import/export.server";
import { runImport } from "../../app/import/runner.server";
import { findUserByUsername, getPrincipal } from "../../app/models/users.server";
import type { Principal } from "../../app/domain/permissions";
import { type Command, intOption, UsageError } from "../command";

/**
 * `import FILE [--type T] [--dry-run] [--user U]` and `export --type T [--fy N]`.
 *
 * Imports from the command line run as the operator who holds the database file: user_id null
 * and via "cli" in the audit row, with every permission. `--user NAME` imports as that account
 * instead (attributed to it, and limited to what it may import, e.g. a director's own center).
 * Exit: 0 imported (or a clean dry run), 1 the file had errors (nothing written), 2 bad arguments.
 */

const TYPES = IMPORT_TYPES.join("|");
/** Files over this many rows print a progress line. */
const PROGRESS_ROWS = 10_000;
const SHOWN_ERRORS = 1000;

function typeOption(value: unknown): ImportType | undefined {
  if (value === undefined) return undefined;
  if (!isImportType(value)) throw new UsageError(`--type must be one of ${IMPORT_TYPES.join(", ")}`);
  return value;
}

export const importCommand: Command = {
  name: "import",
  summary: "Import a CSV or XLSX file of centers, awards, budget lines, spending or assessments (all or nothing)",
  usage: `import FILE [--type ${TYPES}] [--dry-run] [--allow-move] [--user USERNAME]`,
  options: { type: { type: "string" }, "dry-run": { type: "boolean" }, "allow-move": { type: "boolean" }, user: { type: "string" } },
  positionals: 1,
  async run({ db, values, positionals, out, err }) {
    const file = positionals[0];
    if (!file) throw new UsageError("Name the CSV or XLSX file to import");
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`No such file: ${file}`);
    const type = typeOption(values.type);
    const dryRun = values["dry-run"] === true;
    let user: Principal | null = null;
    if (typeof values.user === "string") {
      const found = await findUserByUsername(db, values.user);
      user = found ? await getPrincipal(db, found.id) : null;
      if (!user) throw new UsageError(`No active user ${values.user}`);
    }

    const tty = (err as { isTTY?: boolean }).isTTY === true;
    let progressShown = false;
    const result = await runImport(db, { fileName: path.basename(file), path: file }, {
      type,
      dryRun,
      allowMove: values["allow-move"] === true,
      user,
      via: "cli",
      fileName: path.basename(file),
      onProgress: (p) => {
        if (p.rowsRead < PROGRESS_ROWS) return;
        progressShown = true;
        err.write(`${progressLine(p)}${tty ? "\x1b[K\r" : "\n"}`);
      },
    });
    if (progressShown && tty) err.write("\n");

    if (result.fileError) {
      err.write(`${file}: ${result.fileError}\nNothing was imported.\n`);
      return 1;
    }
    if (result.errorCount > 0) {
      for (const e of result.errors.slice(0, SHOWN_ERRORS)) err.write(`row ${e.row}, column ${e.column || "-"}: ${e.message}\n`);
      const rest = result.errorCount - Math.min(result.errors.length, SHOWN_ERRORS);
      if (rest > 0) err.write(`… and ${rest.toLocaleString("en-US")} more error${rest === 1 ? "" : "s"}\n`);
      err.write(`Nothing was imported (${result.errorCount.toLocaleString("en-US")} error${result.errorCount === 1 ? "" : "s"} in ${file}).\n`);
      return 1;
    }
    const counts = `${result.added} new, ${result.changed} changed, ${result.unchanged} unchanged`;
    if (dryRun) {
      out.write(`Dry run of ${file} (${result.type}, ${result.rowsRead} rows): ${counts}. Nothing was written.\n`);
      for (const c of result.changes) {
        out.write(`  row ${c.row} ${c.key}: ${c.fields.map((f) => `${f} ${c.before[f] || "(empty)"} → ${c.after[f] || "(empty)"}`).join("; ")}\n`);
      }
      if (result.changed > result.changes.length) out.write(`  … and ${result.changed - result.changes.length} more changed rows\n`);
      for (const m of result.moves) out.write(`  row ${m.row} ${m.key}: moves from ${m.from} to ${m.to} (import with --allow-move)\n`);
    } else {
      out.write(`Imported ${file} (${result.type}, ${result.rowsRead} rows) as batch #${result.batchId}: ${counts}.\n`);
    }
    return 0;
  },
};

export const exportCommand: Command = {
  name: "export",
  summary: "Print one table as CSV in the import format (voided rows left out)",
  usage: `export --type ${TYPES} [--fy N]`,
  options: { type: { type: "string" }, fy: { type: "string" } },
  async run({ db, values, out }) {
    if (values.type === undefined) throw new UsageError("--type is required");
    const type = typeOption(values.type)!;
    const fiscalYear = intOption(values.fy, "fy", 2000, 2100);
    if (fiscalYear !== undefined && type === "centers") throw new UsageError("--fy does not apply to centers");
    for await (const chunk of exportCsvChunks(db, type, { scope: { kind: "all" }, fiscalYear })) {
      if (!out.write(chunk)) await once(out, "drain");
    }
    return 0;
  },
};
