/**
 * Foundation: migrations, the newer-schema refusal, the demo generator's determinism and
 * constraints, catalog import, the CLI's usage errors, and start-up failures a person would hit.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { open } from "../db/client";
import { LATEST_MIGRATION, migrateToLatest, SchemaTooNewError } from "../db/migrate";
import { loadDemo } from "~/demo/load.server";
import { assessableCapabilities } from "~/domain/scores";
import { listCapabilities } from "~/models/catalog.server";
import { fingerprint, ROOT, runCli, startServer, tempDir } from "./reliability/harness";

function emptyFile(): string {
  return path.join(tempDir("baseline-found-"), "db.sqlite");
}

describe("migrations", () => {
  it("take an empty database to the latest schema with the catalog and programs, and no demo data", async () => {
    const { db } = open(emptyFile());
    const applied = await migrateToLatest(db);
    expect(applied.at(-1)).toBe(LATEST_MIGRATION);
    const count = async (table: string, where = sql`1 = 1`) =>
      Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0].n);
    expect(await count("capabilities", sql`framework_id = 'baseline-2008'`)).toBe(14);
    expect(await count("capabilities", sql`framework_id = 'coc-ec'`)).toBe(8);
    expect(await count("capabilities", sql`framework_id = 'guidelines-2006'`)).toBe(18);
    expect(await count("capabilities", sql`privacy = 1`)).toBe(3);
    expect(await count("programs")).toBe(8); // SHSP, UASI, OPSG, JAG, COPS, OTHER_FED, STATE, LOCAL
    expect(await count("centers")).toBe(0);
    expect(await count("users")).toBe(0);
    const leaves = assessableCapabilities(await listCapabilities(db), "baseline-2008").map((c) => c.id);
    expect(leaves).toEqual(["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]);
    // Running again applies nothing.
    expect(await migrateToLatest(db)).toEqual([]);
    await db.destroy();
  });

  it("refuse a database whose schema is newer than the code, naming both versions, and change nothing", async () => {
    const file = emptyFile();
    const { db } = open(file);
    await migrateToLatest(db);
    await sql`insert into schema_migrations (name, executed_at) values ('9999_from_the_future', '2030-01-01')`.execute(db);
    await db.destroy();
    const before = await fingerprint(file);
    const again = open(file);
    const error = await migrateToLatest(again.db).catch((e) => e);
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(error.message).toContain("9999_from_the_future");
    expect(error.message).toContain(LATEST_MIGRATION);
    await again.db.destroy();
    expect(await fingerprint(file)).toBe(before);
  });
});

describe("demo generator", () => {
  async function demoTotals(seed: number) {
    const { db, sqlite } = open(emptyFile());
    await migrateToLatest(db);
    await loadDemo(db, { seed, referenceDate: "2025-06-30" });
    const q = (s: string) => sqlite.prepare(s).get() as Record<string, number>;
    const totals = {
      centers: q("select count(*) n from centers").n,
      awards: q("select count(*) n, sum(amount_cents) s from awards"),
      lines: q("select count(*) n, sum(amount_cents) s from budget_lines"),
      spending: q("select count(*) n, sum(amount_cents) s from spending"),
      assessments: q("select count(*) n, sum(case status when 'achieved' then 1 else 0 end) s from assessments"),
    };
    return { db, sqlite, totals };
  }

  it("gives the same rows for the same seed, and different ones for another seed", async () => {
    const a = await demoTotals(2008);
    const b = await demoTotals(2008);
    const c = await demoTotals(7);
    expect(a.totals).toEqual(b.totals);
    expect(c.totals.awards.s).not.toBe(a.totals.awards.s);
    expect(a.totals.centers).toBe(80);

    const { sqlite } = a;
    // Every constraint holds: foreign keys, integrity, and the trigger-kept summary columns.
    expect(sqlite.pragma("foreign_key_check")).toEqual([]);
    expect(sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    const drift = sqlite
      .prepare(
        `select count(*) n from awards a where a.budgeted_cents <> (select coalesce(sum(amount_cents), 0) from budget_lines where award_id = a.id and voided_at is null)
           or a.spent_cents <> (select coalesce(sum(s.amount_cents), 0) from spending s join budget_lines l on l.id = s.budget_line_id where l.award_id = a.id and s.voided_at is null)
           or a.budgeted_cents > a.amount_cents`,
      )
      .get() as { n: number };
    expect(drift.n).toBe(0);
    // Published figures (docs/domain.md §2.3, §4): budgets $0.3M–$8M a year, federal share near 43%.
    const share = sqlite
      .prepare("select sum(case when p.federal = 1 then a.amount_cents else 0 end) * 1.0 / sum(a.amount_cents) f from awards a join programs p on p.code = a.program_code")
      .get() as { f: number };
    expect(share.f).toBeGreaterThan(0.38);
    expect(share.f).toBeLessThan(0.48);
    const budgets = sqlite
      .prepare("select min(t) lo, max(t) hi from (select sum(amount_cents) t from awards where fiscal_year between 2019 and 2024 group by center_id, fiscal_year)")
      .get() as { lo: number; hi: number };
    expect(budgets.lo).toBeGreaterThanOrEqual(250_000_00);
    expect(budgets.hi).toBeLessThanOrEqual(9_500_000_00);
    // UASI goes only to urban-area centers.
    const uasiToStates = sqlite.prepare("select count(*) n from awards a join centers c on c.id = a.center_id where a.program_code = 'UASI' and c.kind <> 'urban_area'").get() as { n: number };
    expect(uasiToStates.n).toBe(0);
    for (const x of [a, b, c]) await x.db.destroy();
    // Three whole generations (each sealing its rows, docs/decisions/022): on a shared two-core machine under load they take longer than the default 30 s.
  }, 120_000);
});

describe("catalog import", () => {
  it("adds numbered items under an area, which then replace the area as the assessable capabilities", async () => {
    const file = emptyFile();
    const csv = path.join(path.dirname(file), "items.csv");
    fs.writeFileSync(csv, "framework,id,parent,title,description,privacy\nbaseline-2008,I.A.1,I.A,Item one,,no\nbaseline-2008,I.A.2,I.A,Item two,Has a description,no\n");
    const r = await runCli(["catalog", "import", csv], file);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain("2 added, 0 changed, 0 unchanged");
    const { db } = open(file);
    const leaves = assessableCapabilities(await listCapabilities(db), "baseline-2008").map((c) => c.id);
    expect(leaves).toContain("I.A.1");
    expect(leaves).not.toContain("I.A");
    expect(leaves).toHaveLength(13);
    await db.destroy();
    // Re-import: unchanged.
    expect((await runCli(["catalog", "import", csv], file)).out).toContain("0 added, 0 changed, 2 unchanged");
  });

  it("refuses a file with an unknown parent or framework, naming row and column, and writes nothing", async () => {
    const file = emptyFile();
    await runCli(["migrate"], file);
    const before = await fingerprint(file);
    const csv = path.join(path.dirname(file), "bad.csv");
    fs.writeFileSync(csv, "framework,id,parent,title\nbaseline-2008,I.Z.1,I.Z,Orphan\nnope,X-1,,Wrong framework\n");
    const r = await runCli(["catalog", "import", csv], file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('row 2, column parent: Unknown parent "I.Z"');
    expect(r.err).toContain('row 3, column framework: Unknown framework "nope"');
    expect(await fingerprint(file)).toBe(before);
  });
});

describe("command line", () => {
  it("prints usage and exits 2 for an unknown command or a bad option", async () => {
    const file = emptyFile();
    const unknown = await runCli(["frobnicate"], file);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown command: frobnicate");
    expect(unknown.err).toContain("Usage: npm run -s cli -- <command>");
    const bad = await runCli(["demo", "--scale", "galactic"], file);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--scale must be small, national or double");
    const unknownOption = await runCli(["migrate", "--colour"], file);
    expect(unknownOption.code).toBe(2);
  });

  it("loads the demo only into an empty database", async () => {
    const file = emptyFile();
    expect((await runCli(["demo", "--as-of", "2025-06-30"], file)).code).toBe(0);
    const again = await runCli(["demo"], file);
    expect(again.code).toBe(1);
    expect(again.err).toContain("only into an empty database");
  });
});

describe("start-up failures", () => {
  function startFails(env: Record<string, string>) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "server.ts")], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production", HOST: "127.0.0.1", PORT: "0", DEMO_DATA: "off", SESSION_SECRET: "x", ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: r.status, stderr: r.stderr.trim() };
  }

  it("names an unwritable database folder in one line and exits 1", () => {
    const r = startFails({ DATABASE_PATH: "/sys/baseline/data/db.sqlite" });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("Cannot write to the database folder /sys/baseline/data");
  });

  it("names a corrupt database file, exits 1 and leaves the file untouched", () => {
    const file = emptyFile();
    fs.writeFileSync(file, Buffer.alloc(8192, 7));
    const hash = () => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const before = hash();
    const r = startFails({ DATABASE_PATH: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The database file ${file} is not a readable SQLite database`);
    expect(hash()).toBe(before);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["db.sqlite"]);
  });

  it("refuses a newer database at start", async () => {
    const file = emptyFile();
    const { db } = open(file);
    await migrateToLatest(db);
    await sql`insert into schema_migrations (name, executed_at) values ('9999_from_the_future', '2030-01-01')`.execute(db);
    await db.destroy();
    const r = startFails({ DATABASE_PATH: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("newer than this version of Baseline");
  });

  it("says the port is in use in one line and exits 1", async () => {
    const file = emptyFile();
    await runCli(["migrate"], file);
    const first = await startServer({ databaseFile: file });
    try {
      const port = new URL(first.url).port;
      const copy = path.join(path.dirname(file), "second.sqlite");
      fs.copyFileSync(file, copy);
      const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "server.ts")], {
        env: { ...process.env, NODE_ENV: "production", HOST: "127.0.0.1", PORT: port, DEMO_DATA: "off", SESSION_SECRET: "x", DATABASE_PATH: copy },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`Port ${port} is already in use; set PORT to a free port.`);
    } finally {
      await first.stop();
    }
  });
});
