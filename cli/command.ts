import { parseArgs, type ParseArgsConfig } from "node:util";
import { open, postgresUrl, checkPostgres, type DB, type OpenedDatabase } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { parseDate, todayIso } from "../app/domain/dates";
import { getCenterByCode } from "../app/models/centers.server";
import { runPendingRepairs } from "../app/models/repairs.server";

/** One CLI command: `npm run -s cli -- <name> [options]`. */
export interface Command {
  /** One or two words, e.g. "migrate" or "catalog import". */
  name: string;
  summary: string;
  usage: string;
  options?: ParseArgsConfig["options"];
  /** Positional arguments allowed (default 0). */
  positionals?: number;
  /** Opens and migrates the database before run (default true). */
  needsDb?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  db: DB;
  opened: OpenedDatabase;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Raised for bad arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    const parsed = parseArgs({ args: argv, options: command.options ?? {}, allowPositionals: true, strict: true });
    if (parsed.positionals.length > (command.positionals ?? 0)) {
      throw new UsageError(`Unexpected argument: ${parsed.positionals[command.positionals ?? 0]}`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
}

export async function openMigrated(): Promise<OpenedDatabase> {
  const url = postgresUrl();
  if (url) await checkPostgres(url);
  const opened = open();
  await migrateToLatest(opened.db);
  await runPendingRepairs(opened.db);
  return opened;
}

/** Validates an integer option such as --fy. */
export function intOption(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

export function formatOption(value: unknown, allowed: string[] = ["csv", "json"]): string {
  const v = (value as string | undefined) ?? allowed[0];
  if (!allowed.includes(v)) throw new UsageError(`--format must be one of ${allowed.join(", ")}`);
  return v;
}

/** `--as-of YYYY-MM-DD`, today when absent. */
export function asOfOption(value: unknown): string {
  if (value === undefined) return todayIso();
  const d = parseDate(String(value));
  if (!d.ok) throw new UsageError(`--as-of: ${d.error}`);
  return d.date;
}

/** `--center CODE`: the center's id, or undefined when the option is absent. */
export async function centerOption(db: DB, value: unknown): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const center = await getCenterByCode(db, String(value).trim().toUpperCase());
  if (!center) throw new UsageError(`No center with code ${value}`);
  return center.id;
}
