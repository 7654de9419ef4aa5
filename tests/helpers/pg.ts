import { execFileSync } from "node:child_process";
import pg from "pg";

/**
 * PostgreSQL test databases (npm run test:pg, docs/decisions/025-postgresql-engine.md): one migrated
 * base per run, and a copy of it per test file made with CREATE DATABASE … TEMPLATE, dropped after.
 */
export function testingPostgres(): boolean {
  return /^postgres(ql)?:\/\//i.test(process.env.DATABASE_URL ?? "");
}

/** The server's URL with another database name. */
export function urlForDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs statements on the server's maintenance connection (the URL the run was given). */
export async function onServer(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** The same, waiting (test helpers that hand out a database synchronously). */
export function onServerSync(url: string, ...statements: string[]): void {
  const script = `const pg = require("pg"); (async () => { const c = new pg.Client({ connectionString: process.argv[1] }); await c.connect();
    for (const s of JSON.parse(process.argv[2])) await c.query(s); await c.end(); })().catch((e) => { console.error(e.message); process.exit(1); });`;
  execFileSync(process.execPath, ["-e", script, url, JSON.stringify(statements)], { stdio: ["ignore", "ignore", "inherit"] });
}
