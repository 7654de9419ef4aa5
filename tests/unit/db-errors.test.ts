import { describe, expect, it } from "vitest";
import { friendlyDbError, isPeriodClosedError } from "~/models/db-errors.server";

describe("friendlyDbError", () => {
  it("turns each Baseline guard into a sentence and leaves other errors alone", () => {
    const closed = new Error("BASELINE_PERIOD_CLOSED: spending dated in a closed reporting period cannot change");
    expect(friendlyDbError(closed)).toMatch(/closed reporting period.*reopen the period/);
    expect(isPeriodClosedError(closed)).toBe(true);
    expect(friendlyDbError(new Error("BASELINE_OVERBUDGET: budget lines would exceed the award"))).toMatch(/more than the award/);
    expect(friendlyDbError(new Error("BASELINE_OVERSPENT: spending would exceed the budget line"))).toMatch(/exceed the budget line/);
    expect(friendlyDbError(new Error("UNIQUE constraint failed: awards.award_number"))).toBeNull();
    expect(isPeriodClosedError(new Error("BASELINE_OVERSPENT"))).toBe(false);
    expect(friendlyDbError(undefined)).toBeNull();
  });
});
