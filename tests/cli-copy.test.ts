import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { open } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { loadDemo } from "../app/demo/load.server";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";

/**
 * `cli copy` moves a SQLite database to PostgreSQL with its audit chain (docs/decisions/025-postgresql-engine.md).
 * It needs a PostgreSQL server, so it runs under `npm run test:pg`; `npm test` must pass on a machine without one.
 */
describe.skipIf(!testingPostgres())("cli copy --from sqlite:FILE --to postgres://… (PostgreSQL only: needs a server)", () => {
  const t = useTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-copy-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("copies every row and the audit chain, which verifies on the copy; a second copy into it is refused", async () => {
    const file = path.join(dir, "center.sqlite");
    const source = open(file);
    await migrateToLatest(source.db);
    await loadDemo(source.db, { referenceDate: "2025-06-30" });
    const counts = source.sqlite.prepare("select (select count(*) from spending) as spending, (select count(*) from audit_log) as audit, (select sum(spent_cents) from awards) as spent").get();
    await source.db.destroy();

    const r = await runCli(["copy", "--from", `sqlite:${file}`, "--to", t.file]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Copied .*center\.sqlite to postgres:\/\/.*: \d+ tables, [\d,]+ rows/);

    const copied = await t.db
      .selectNoFrom((eb) => [
        eb.selectFrom("spending").select((e) => e.fn.countAll<number>().as("n")).as("spending"),
        eb.selectFrom("audit_log").select((e) => e.fn.countAll<number>().as("n")).as("audit"),
        eb.selectFrom("awards").select((e) => e.fn.sum<number>("spent_cents").as("n")).as("spent"),
      ])
      .executeTakeFirstOrThrow();
    expect(copied).toEqual(counts);

    const verify = await runCli(["audit", "verify"]);
    expect(verify.out).toMatch(/^ok \d+ rows/);
    expect(verify.code).toBe(0);

    const again = await runCli(["copy", "--from", `sqlite:${file}`, "--to", t.file]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("already holds centers, users or audit rows");
    // A demo load, its seals and two copies: minutes on a machine shared with other test runs.
  }, 300_000);
});
