import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";

/**
 * Bad input at start on PostgreSQL (docs/decisions/025-postgresql-engine.md): one clear line, exit 1,
 * nothing written. Needs a server, so it runs under `npm run test:pg`; the SQLite twins are in
 * tests/foundation.test.ts.
 */
describe.skipIf(!testingPostgres())("PostgreSQL start-up checks (PostgreSQL only: needs a server)", () => {
  const t = useTestDatabase();
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    process.env.DATABASE_URL = saved;
  });

  it("a DATABASE_URL that cannot connect is one line naming it, without the password; exit 1", async () => {
    process.env.DATABASE_URL = "postgres://root:secret@127.0.0.1:1/nowhere";
    const r = await runCli(["migrate"]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("Cannot connect to PostgreSQL at postgres://root:***@127.0.0.1:1/nowhere (DATABASE_URL)");
  });

  it("a URL that is not postgres:// is refused", async () => {
    process.env.DATABASE_URL = "mysql://root@127.0.0.1/x";
    const r = await runCli(["migrate"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("DATABASE_URL must start with postgres://");
  });

  it("a database of a newer schema is refused and left as it was", async () => {
    process.env.DATABASE_URL = t.file;
    await t.db.insertInto("schema_migrations" as never).values({ name: "0999_future", executed_at: "2030-01-01" } as never).execute();
    const r = await runCli(["migrate"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("The database schema (0999_future) is newer than this version of Baseline");
  });
});
