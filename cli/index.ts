import { pathToFileURL } from "node:url";
import { DatabaseFileError } from "../db/client";
import { SchemaTooNewError } from "../db/migrate";
import { type Command, openMigrated, parseCommandArgs, UsageError } from "./command";
import { catalogImport, demo, migrate, usersAdd } from "./commands/core";
import { extraCommands } from "./commands/registry";

/** The one command-line entry point: `npm run -s cli -- <command> [options]`. */
export const COMMANDS: Command[] = [migrate, demo, catalogImport, usersAdd, ...extraCommands];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: npm run -s cli -- <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Environment: DATABASE_PATH (default data/baseline.sqlite)",
  ].join("\n");
}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr, stdin: process.stdin }): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "help" || argv[0] === "-h") {
    (argv.length === 0 ? io.err : io.out).write(usage() + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  const two = argv.slice(0, 2).join(" ");
  const command = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
  if (!command) {
    io.err.write(`Unknown command: ${argv.slice(0, 2).join(" ")}\n\n${usage()}\n`);
    return 2;
  }
  const rest = argv.slice(command.name.split(" ").length);
  let opened;
  try {
    const parsed = parseCommandArgs(command, rest);
    // needsDb: false (backup, restore) opens the file itself: restore must work on a broken or newer database.
    opened = command.needsDb === false ? undefined : await openMigrated();
    return await command.run({ values: parsed.values as any, positionals: parsed.positionals, db: opened?.db as any, opened: opened as any, ...io });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\nUsage: npm run -s cli -- ${command.usage}\n`);
      return 2;
    }
    if (error instanceof DatabaseFileError || error instanceof SchemaTooNewError) {
      io.err.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await opened?.db.destroy();
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
