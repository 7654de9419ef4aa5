import { describe, expect, it } from "vitest";
import { parseMoney } from "~/domain/money";
import { spentBelowZero } from "~/domain/guards";
import { overAllocationMessage, parseUei, primeAllocation, subAwardProblems } from "~/domain/subawards";

const PRIME = { awardNumber: "EMW-2023-SS-00012", programs: ["SHSP", "UASI"], amountCents: 1_000_000_00, popStart: "2023-09-01", popEnd: "2026-08-31" };
const SUB = { programCode: "SHSP", amountCents: 250_000_00, popStart: "2023-10-01", popEnd: "2026-08-31" };

describe("a sub-award against its prime", () => {
  it("accepts a share whose program, period and amount fit the prime", () => {
    expect(subAwardProblems(SUB, PRIME, 500_000_00)).toEqual([]);
  });

  it("refuses a program the prime does not fund", () => {
    expect(subAwardProblems({ ...SUB, programCode: "JAG" }, PRIME, 0)).toEqual([
      { field: "program", message: "Prime award EMW-2023-SS-00012 funds SHSP, UASI, not JAG" },
    ]);
  });

  it("refuses a period starting before or ending after the prime's, and accepts exactly the prime's period", () => {
    expect(subAwardProblems({ ...SUB, popStart: "2023-09-01", popEnd: "2026-08-31" }, PRIME, 0)).toEqual([]);
    const problems = subAwardProblems({ ...SUB, popStart: "2023-08-31", popEnd: "2026-09-01" }, PRIME, 0);
    expect(problems.map((p) => p.field)).toEqual(["popStart", "popEnd"]);
    expect(problems[0].message).toBe("The sub-award starts 2023-08-31, before prime award EMW-2023-SS-00012's period (2023-09-01 to 2026-08-31)");
  });

  it("lets the live sub-awards add up to exactly the prime, and refuses one cent over with the figures", () => {
    expect(subAwardProblems({ ...SUB, amountCents: 250_000_00 }, PRIME, 750_000_00)).toEqual([]);
    expect(subAwardProblems({ ...SUB, amountCents: 250_000_01 }, PRIME, 750_000_00)).toEqual([
      { field: "amount", message: "Sub-awards of EMW-2023-SS-00012 would total $1,000,000.01 of $1,000,000.00; $0.01 over" },
    ]);
    expect(overAllocationMessage("X", 10, 10)).toBeNull();
  });

  it("judges the share, never the prime: a share far below the prime passes where the prime's own amount would not", () => {
    // The center's share is $250,000 of a $1,000,000 prime with $750,000 already shared out.
    expect(subAwardProblems(SUB, PRIME, 750_000_00)).toEqual([]);
    expect(subAwardProblems({ ...SUB, amountCents: PRIME.amountCents }, PRIME, 750_000_00)[0].field).toBe("amount");
  });
});

describe("refunds", () => {
  it("allow spent to reach exactly zero and refuse one cent below, with the figures", () => {
    expect(spentBelowZero("line L1", 0)).toBeNull();
    expect(spentBelowZero("line L1", -1)).toBe(
      "Spending on line L1 would total -$0.01; a refund or credit cannot take spent below $0.00 ($0.01 too much)",
    );
  });

  it.each([
    ["-2,500.00", -250_000],
    ["(2,500.00)", -250_000],
    ["($2,500.00)", -250_000],
    ["-$2,500.00", -250_000],
    ["$ 1,000,000", 100_000_000],
    ["$1,000,000", 100_000_000],
  ])("reads %s as %i cents where a negative is allowed", (text, cents) => {
    expect(parseMoney(text, { allowNegative: true })).toEqual({ ok: true, cents });
  });

  it("refuses a negative where none is allowed", () => {
    expect(parseMoney("(2,500.00)")).toEqual({ ok: false, error: "Amount cannot be negative" });
    expect(parseMoney("-2,500.00")).toEqual({ ok: false, error: "Amount cannot be negative" });
    expect(parseMoney("$ 1,000,000")).toEqual({ ok: true, cents: 100_000_000 });
  });
});

describe("UEI", () => {
  it("accepts 12 capital letters and digits, any case as typed, empty as none", () => {
    expect(parseUei(" jf5mlmq3ka88 ")).toEqual({ ok: true, uei: "JF5MLMQ3KA88" });
    expect(parseUei("")).toEqual({ ok: true, uei: null });
  });
  it.each([["JF5MLMQ3KA8", "12 characters"], ["0F5MLMQ3KA88", "not starting with 0"], ["JF5MLMQ3KO88", "no O or I"], ["JF5MLMQ3K-88", "capital letters"]])(
    "refuses %s",
    (text, message) => {
      const r = parseUei(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(message);
    },
  );
});

describe("a prime's allocation", () => {
  it("groups live sub-awards by center and leaves the rest as other subrecipients or not yet allocated", () => {
    const a = primeAllocation(1_000_000_00, [
      { centerCode: "CA", centerName: "State center", amountCents: 300_000_00, voided: false },
      { centerCode: "CA-LA", centerName: "JRIC", amountCents: 200_000_00, voided: false },
      { centerCode: "CA", centerName: "State center", amountCents: 50_000_00, voided: false },
      { centerCode: "CA-SF", centerName: "NCRIC", amountCents: 90_000_00, voided: true },
    ]);
    expect(a.byCenter.map((c) => [c.centerCode, c.awards, c.amountCents])).toEqual([
      ["CA", 2, 350_000_00],
      ["CA-LA", 1, 200_000_00],
    ]);
    expect([a.allocatedCents, a.remainderCents]).toEqual([550_000_00, 450_000_00]);
  });
});
