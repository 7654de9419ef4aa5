/**
 * Reconciliation with USAspending: the five statuses (including one sub-award listed twice by
 * USAspending), the USAspending download import (extra columns ignored, a newer file replacing the rows
 * of the primes it covers), the `reconcile` command's CSV, and the page's scope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile, reconcileCsvRows } from "~/domain/reconcile";
import { toCsv } from "~/http/csv.server";
import { runImport } from "~/import/runner.server";
import { createPrimeAward } from "~/models/prime-awards.server";
import { createUser } from "~/models/users.server";
import { loader as pageLoader } from "~/routes/reports.reconciliation";
import { cookieFor, request, run } from "./helpers/auth";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";

describe("reconcile (the rule)", () => {
  const centers = new Map([
    ["AAAAAAAAAAA1", "VA"],
    ["AAAAAAAAAAA2", "VA-NOVA"],
  ]);
  const baseline = [
    { primeNumber: "P1", subawardNumber: "S-MATCH", centerCode: "VA", amountCents: 100_000_00 },
    { primeNumber: "P1", subawardNumber: "S-DIFF", centerCode: "VA-NOVA", amountCents: 50_000_00 },
    { primeNumber: "P1", subawardNumber: "S-OURS", centerCode: "VA", amountCents: 30_000_00 },
    { primeNumber: "P1", subawardNumber: "S-SMALL", centerCode: "VA", amountCents: 29_999_99 },
    { primeNumber: "P2", subawardNumber: "S-NOFILE", centerCode: "VA", amountCents: 900_000_00 },
  ];
  const usaspending = [
    { primeFain: "P1", subawardNumber: "S-MATCH", amountCents: 100_000_00, actionDate: "2023-10-01", uei: "AAAAAAAAAAA1" },
    // Listed twice: the later action (an amendment) stands.
    { primeFain: "P1", subawardNumber: "S-DIFF", amountCents: 40_000_00, actionDate: "2024-03-01", uei: "AAAAAAAAAAA2" },
    { primeFain: "P1", subawardNumber: "S-DIFF", amountCents: 50_000_00, actionDate: "2023-10-01", uei: "AAAAAAAAAAA2" },
    { primeFain: "P1", subawardNumber: "S-THEIRS", amountCents: 75_000_00, actionDate: "2023-11-01", uei: "AAAAAAAAAAA1" },
    // A county, not a center: not listed.
    { primeFain: "P1", subawardNumber: "S-COUNTY", amountCents: 1_000_000_00, actionDate: "2023-11-01", uei: "CCCCCCCCCCC1" },
  ];

  it("gives each status, the later USAspending action standing, non-centers and primes without a download left out", () => {
    const rows = reconcile(baseline, usaspending, centers);
    expect(rows.map((r) => [r.status, r.subawardNumber, r.center, r.baselineCents, r.usaspendingCents, r.differenceCents])).toEqual([
      ["amount_differs", "S-DIFF", "VA-NOVA", 50_000_00, 40_000_00, 10_000_00],
      ["matched", "S-MATCH", "VA", 100_000_00, 100_000_00, 0],
      ["missing_in_usaspending", "S-OURS", "VA", 30_000_00, null, null],
      ["below_threshold", "S-SMALL", "VA", 29_999_99, null, null],
      ["missing_in_baseline", "S-THEIRS", "VA", null, 75_000_00, null],
    ]);
  });

  it("writes the CSV header exactly and dollars with two decimals, empty where a side is missing", () => {
    const csv = toCsv(reconcileCsvRows(reconcile(baseline, usaspending.slice(0, 2), centers)));
    expect(csv.split("\r\n")).toEqual([
      "status,prime_award,subaward_number,center,baseline_amount,usaspending_amount,difference",
      "amount_differs,P1,S-DIFF,VA-NOVA,50000.00,40000.00,10000.00",
      "matched,P1,S-MATCH,VA,100000.00,100000.00,0.00",
      "missing_in_usaspending,P1,S-OURS,VA,30000.00,,",
      "below_threshold,P1,S-SMALL,VA,29999.99,,",
      "",
    ]);
  });
});

describe("the USAspending download and the reconcile command", () => {
  const t = useTestDatabase();
  const savedPath = process.env.DATABASE_PATH;
  afterAll(() => {
    process.env.DATABASE_PATH = savedPath;
  });

  const cli = runCli;

  // A USAspending download keeps about 110 columns; a few of those Baseline ignores stand in for the rest.
  const HEADER =
    "prime_award_unique_key,prime_award_fain,prime_award_amount,prime_award_awarding_agency_name,prime_awardee_uei,prime_awardee_name," +
    "prime_award_cfda_numbers_and_titles,prime_award_period_of_performance_start_date,prime_award_period_of_performance_current_end_date," +
    "subaward_type,subaward_number,subaward_amount,subaward_action_date,subaward_action_date_fiscal_year,subawardee_uei,subawardee_name," +
    "subawardee_state_code,subaward_description,usaspending_permalink";
  const line = (sub: string, amount: string, date: string, uei: string) =>
    `ASST_NON_EMW2023SS00012_070,EMW-2023-SS-00012,"1,000,000.00",Department of Homeland Security,SAAUEI000001,Virginia Department of Emergency Management,"97.067: Homeland Security Grant Program",2023-09-01,2026-08-31,sub-grant,${sub},${amount},${date},2024,${uei},Recipient,VA,Fusion center support,https://www.usaspending.gov/award/ASST_NON_EMW2023SS00012_070`;
  const file = (lines: string[]) => ({ fileName: "SubawardsDownload.csv", buffer: Buffer.from([HEADER, ...lines].join("\n") + "\n", "utf8") });

  beforeAll(async () => {
    process.env.DATABASE_PATH = t.file;
    const now = "2024-01-01T00:00:00Z";
    for (const [code, state, uei] of [
      ["VA", "VA", "AAAAAAAAAAA1"],
      ["TX", "TX", "AAAAAAAAAAA3"],
    ]) {
      await t.db.insertInto("centers").values({ code, name: code, state, kind: "state", uei, created_at: now }).execute();
    }
    expect(
      (
        await createPrimeAward(t.db, null, {
          awardNumber: "EMW-2023-SS-00012",
          recipient: "Virginia Department of Emergency Management",
          state: "VA",
          programs: ["SHSP"],
          fiscalYear: 2023,
          amountCents: 1_000_000_00,
          popStart: "2023-09-01",
          popEnd: "2026-08-31",
          assistanceListing: "97.067",
        })
      ).ok,
    ).toBe(true);
    const prime = await t.db.selectFrom("prime_awards").select("id").executeTakeFirstOrThrow();
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    for (const [number, cents] of [
      ["VA-23-01", 100_000_00],
      ["VA-23-02", 60_000_00],
    ] as const) {
      await t.db
        .insertInto("awards")
        .values({ award_number: number, center_id: va.id, program_code: "SHSP", fiscal_year: 2023, amount_cents: cents, pop_start: "2023-10-01", pop_end: "2026-08-31", prime_award_id: prime.id, created_at: now })
        .execute();
    }
  });

  it("imports sub-awards under the prime, and refuses one cent over the prime naming row and column, writing nothing (exit 1)", async () => {
    const header = "Award Number,Center,Program,Fiscal Year,Amount,PoP Start,PoP End,Prime Award,Pass-Through";
    const ok = await runImport(
      t.db,
      { fileName: "awards.csv", buffer: Buffer.from(`${header}\nVA-23-03,VA,SHSP,FY23,"$ 840,000.00",2023-10-01,2026-08-31,emw-2023-ss-00012,\n`) },
      { dryRun: true, user: null },
    );
    expect([ok.type, ok.ok, ok.added]).toEqual(["awards", true, 1]);
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "money-")), "awards.csv");
    fs.writeFileSync(file, `${header}\nVA-23-03,VA,SHSP,FY23,"840,000.01",2023-10-01,2026-08-31,EMW-2023-SS-00012,\n`);
    const before = await t.db.selectFrom("awards").select("id").execute();
    const out = await cli(["import", file]);
    expect(out.code).toBe(1);
    expect(out.out + out.err).toContain("row 2, column amount: Sub-awards of EMW-2023-SS-00012 would total $1,000,000.01 of $1,000,000.00; $0.01 over");
    expect(await t.db.selectFrom("awards").select("id").execute()).toEqual(before);
  });

  it("refuses a malformed amount naming the row and column, and writes nothing", async () => {
    const r = await runImport(t.db, file([line("VA-23-01", "\"12,34.5\"", "2023-10-01", "AAAAAAAAAAA1")]), { dryRun: false, user: null });
    expect(r.committed).toBe(false);
    expect(r.errors[0]).toMatchObject({ row: 2, column: "subaward_amount" });
    expect(await t.db.selectFrom("usaspending_subawards").select("id").execute()).toEqual([]);
  });

  it("reads the download as downloaded (type detected, unused columns ignored), keeping the latest action of each sub-award", async () => {
    const r = await runImport(
      t.db,
      file([
        line("VA-23-01", "100000.00", "2023-10-01", "AAAAAAAAAAA1"),
        line("VA-23-02", "60000.00", "2023-10-01", "AAAAAAAAAAA1"),
        line("VA-23-02", "55000.00", "2024-02-01", "AAAAAAAAAAA1"),
        line("VA-23-09", "42000.00", "2023-12-01", "AAAAAAAAAAA1"),
        line("COUNTY-1", "500000.00", "2023-12-01", "CCCCCCCCCCC1"),
      ]),
      { dryRun: false, user: null },
    );
    expect([r.type, r.committed, r.added]).toEqual(["usaspending_subawards", true, 4]);
    const out = await cli(["reconcile", "--format", "csv"]);
    expect(out.code).toBe(0);
    expect(out.out.split("\r\n")).toEqual([
      "status,prime_award,subaward_number,center,baseline_amount,usaspending_amount,difference",
      "matched,EMW-2023-SS-00012,VA-23-01,VA,100000.00,100000.00,0.00",
      "amount_differs,EMW-2023-SS-00012,VA-23-02,VA,60000.00,55000.00,5000.00",
      "missing_in_baseline,EMW-2023-SS-00012,VA-23-09,VA,,42000.00,",
      "",
    ]);
  });

  it("replaces the snapshot rows of the primes a newer file covers", async () => {
    const r = await runImport(t.db, file([line("VA-23-01", "100000.00", "2024-05-01", "AAAAAAAAAAA1")]), { dryRun: false, user: null });
    expect(r.committed).toBe(true);
    const rows = await t.db.selectFrom("usaspending_subawards").select(["subaward_number", "subaward_action_date"]).execute();
    expect(rows).toEqual([{ subaward_number: "VA-23-01", subaward_action_date: "2024-05-01" }]);
    const out = await cli(["reconcile", "--center", "VA", "--fy", "2023", "--format", "json"]);
    expect(JSON.parse(out.out).rows.map((x: { status: string; subaward_number: string }) => `${x.status} ${x.subaward_number}`)).toEqual([
      "matched VA-23-01",
      "missing_in_usaspending VA-23-02",
    ]);
    expect((await cli(["reconcile", "--center", "NOPE"])).code).toBe(2);
  });

  it("shows the same rows on the page to an auditor, nothing out of a state official's states, and refuses a director", async () => {
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    await t.db.transaction().execute(async (trx) => {
      await createUser(trx, null, { username: "aud", role: "auditor", password: "correct horse battery" });
      await createUser(trx, null, { username: "tx-official", role: "state_official", states: ["TX"], password: "correct horse battery" });
      await createUser(trx, null, { username: "va-director", role: "director", centerId: va.id, password: "correct horse battery" });
    });
    const aud = (await run(pageLoader, request("/reports/reconciliation", { cookie: await cookieFor(t.db, "aud") }))) as any;
    expect(aud.rows.map((r: { subawardNumber: string }) => r.subawardNumber)).toEqual(["VA-23-01", "VA-23-02"]);
    const tx = (await run(pageLoader, request("/reports/reconciliation", { cookie: await cookieFor(t.db, "tx-official") }))) as any;
    expect(tx.rows).toEqual([]);
    const director = (await run(pageLoader, request("/reports/reconciliation", { cookie: await cookieFor(t.db, "va-director") }))) as Response;
    expect(director.status).toBe(403);
  });
});
