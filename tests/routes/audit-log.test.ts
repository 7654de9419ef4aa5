/**
 * The audit log page: filters by record type, user and date range, 50 rows a page, newest first.
 */
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { recordAudit } from "~/models/audit.server";
import { findUserByUsername } from "~/models/users.server";
import { loader } from "~/routes/audit";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
let auditor: string;
let directorId: number;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  auditor = await cookieFor(t.db, "demo-auditor");
  directorId = (await findUserByUsername(t.db, "demo-director"))!.id;
  // 60 budget-line changes by the director: more than one page.
  await t.db.transaction().execute((trx) =>
    recordAudit(
      trx,
      ...Array.from({ length: 60 }, (_, i) => ({
        userId: directorId,
        action: "update",
        entity: "test_line",
        entityId: i + 1,
        before: { amount_cents: 100_00 },
        after: { amount_cents: 100_00 + (i + 1) * 100 },
      })),
    ),
  );
});

const page = async (query = "") => (await run(loader, request(`/audit${query}`, { cookie: auditor }))) as any;

describe("audit log page", () => {
  it("shows 50 rows a page, newest first, and says whether there is an older page", async () => {
    const total = Number((await sql<{ n: number }>`select count(*) as n from audit_log`.execute(t.db)).rows[0].n);
    const first = await page();
    expect(first.rows).toHaveLength(50);
    expect(first.hasNext).toBe(true);
    expect(first.rows[0].id).toBe(total);
    expect(first.rows[49].id).toBe(total - 49);
    const second = await page("?page=2");
    expect(second.rows).toHaveLength(total - 50);
    expect(second.hasNext).toBe(false);
    expect(second.rows[0].id).toBe(total - 50);
  });

  it("filters by record type and by user", async () => {
    const lines = await page("?entity=test_line&page=2");
    expect(lines.rows.map((r: any) => r.entity_id)).toEqual(["10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]);
    const users = await page("?entity=user");
    expect(users.rows.map((r: any) => r.action)).toEqual(["create", "create", "create", "create"]);
    expect(users.entities).toEqual(expect.arrayContaining(["demo", "test_line", "user"]));
    const byDirector = await page(`?user=${directorId}`);
    expect(byDirector.rows).toHaveLength(50);
    expect(byDirector.rows.every((r: any) => r.username === "demo-director")).toBe(true);
  });

  it("filters by date range, whole days inclusive", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect((await page(`?entity=test_line&from=${today}&to=${today}`)).rows).toHaveLength(50);
    expect((await page("?entity=test_line&to=2000-01-01")).rows).toHaveLength(0);
    expect((await page("?entity=test_line&from=2099-01-01")).rows).toHaveLength(0);
  });

  it("shows an error next to a bad date or a reversed range and leaves that filter out", async () => {
    const bad = await page("?entity=user&from=2025-02-30");
    expect(bad.errors.from).toBe('"2025-02-30" is not a real calendar date');
    expect(bad.values.from).toBe("2025-02-30");
    expect(bad.rows).toHaveLength(4);
    const reversed = await page("?entity=user&from=2025-06-30&to=2025-06-01");
    expect(reversed.errors.to).toBe("The end date is before the start date.");
  });

  it("is refused to directors and state officials (they see History panels instead)", async () => {
    for (const who of ["demo-director", "demo-state"]) {
      const res = (await run(loader, request("/audit", { cookie: await cookieFor(t.db, who) }))) as Response;
      expect(res.status).toBe(403);
    }
  });
});
