import { describe, expect, it } from "vitest";
import {
  generateObligations,
  obligationStatus,
  sortObligations,
  suspensionDate,
  type Obligation,
} from "~/domain/obligations";

const of = (list: Obligation[], report: Obligation["report"]) =>
  list.filter((o) => o.report === report).map((o) => [o.periodStart, o.periodEnd, o.due]);

describe("generateObligations: a 36-month HSGP award (BSIR, SF-425, final)", () => {
  const list = generateObligations({ popStart: "2023-09-01", popEnd: "2026-08-31", reports: ["BSIR", "SF-425", "FINAL"] });

  it("lists every half-year BSIR, the first and last clipped to the award, due Jul 30 / Jan 30", () => {
    expect(of(list, "BSIR")).toEqual([
      ["2023-09-01", "2023-12-31", "2024-01-30"],
      ["2024-01-01", "2024-06-30", "2024-07-30"],
      ["2024-07-01", "2024-12-31", "2025-01-30"],
      ["2025-01-01", "2025-06-30", "2025-07-30"],
      ["2025-07-01", "2025-12-31", "2026-01-30"],
      ["2026-01-01", "2026-06-30", "2026-07-30"],
      ["2026-07-01", "2026-08-31", "2027-01-30"],
    ]);
  });

  it("lists 13 SF-425 quarters, from the clipped September 2023 one to the clipped Jul–Aug 2026 one", () => {
    const sf = of(list, "SF-425");
    expect(sf).toHaveLength(13);
    expect(sf[0]).toEqual(["2023-09-01", "2023-09-30", "2023-10-30"]);
    expect(sf[1]).toEqual(["2023-10-01", "2023-12-31", "2024-01-30"]);
    expect(sf[2]).toEqual(["2024-01-01", "2024-03-31", "2024-04-30"]);
    expect(sf[3]).toEqual(["2024-04-01", "2024-06-30", "2024-07-30"]);
    expect(sf[12]).toEqual(["2026-07-01", "2026-08-31", "2026-10-30"]);
  });

  it("has one final report over the whole award, due 120 days after it ends", () => {
    // Aug 31 + 30 = Sep 30, + 31 = Oct 31, + 30 = Nov 30, + 29 = Dec 29.
    expect(of(list, "FINAL")).toEqual([["2023-09-01", "2026-08-31", "2026-12-29"]]);
  });

  it("is ordered by due date, BSIR before SF-425 on the same day", () => {
    expect(list).toHaveLength(7 + 13 + 1);
    expect(list.slice(0, 3).map((o) => [o.report, o.due])).toEqual([
      ["SF-425", "2023-10-30"],
      ["BSIR", "2024-01-30"],
      ["SF-425", "2024-01-30"],
    ]);
    expect(list.at(-1)).toMatchObject({ report: "BSIR", due: "2027-01-30" });
  });
});

describe("generateObligations: edges", () => {
  it("carries the Dec 31 quarter to Jan 30 of the next year", () => {
    const list = generateObligations({ popStart: "2024-10-01", popEnd: "2025-03-31", reports: ["SF-425"] });
    expect(of(list, "SF-425")).toEqual([
      ["2024-10-01", "2024-12-31", "2025-01-30"],
      ["2025-01-01", "2025-03-31", "2025-04-30"],
    ]);
  });

  it("clips the first period of an award starting mid-period but keeps its due date", () => {
    const list = generateObligations({ popStart: "2024-05-15", popEnd: "2024-12-31", reports: ["BSIR", "SF-425"] });
    expect(of(list, "BSIR")).toEqual([
      ["2024-05-15", "2024-06-30", "2024-07-30"],
      ["2024-07-01", "2024-12-31", "2025-01-30"],
    ]);
    expect(of(list, "SF-425")).toEqual([
      ["2024-05-15", "2024-06-30", "2024-07-30"],
      ["2024-07-01", "2024-09-30", "2024-10-30"],
      ["2024-10-01", "2024-12-31", "2025-01-30"],
    ]);
  });

  it("clips the last quarter of an award ending mid-quarter; PMT follows the SF-425 calendar", () => {
    const list = generateObligations({ popStart: "2024-01-01", popEnd: "2024-08-15", reports: ["SF-425", "PMT", "FINAL"] });
    const quarters = [
      ["2024-01-01", "2024-03-31", "2024-04-30"],
      ["2024-04-01", "2024-06-30", "2024-07-30"],
      ["2024-07-01", "2024-08-15", "2024-10-30"],
    ];
    expect(of(list, "SF-425")).toEqual(quarters);
    expect(of(list, "PMT")).toEqual(quarters);
    // Aug 15 + 16 = Aug 31, + 30 = Sep 30, + 31 = Oct 31, + 30 = Nov 30, + 13 = Dec 13.
    expect(of(list, "FINAL")).toEqual([["2024-01-01", "2024-08-15", "2024-12-13"]]);
  });

  it("gives a one-day award one period of each report", () => {
    const list = generateObligations({ popStart: "2024-03-31", popEnd: "2024-03-31", reports: ["BSIR", "SF-425", "PMT", "FINAL"] });
    expect(list).toEqual([
      { report: "SF-425", periodStart: "2024-03-31", periodEnd: "2024-03-31", due: "2024-04-30" },
      { report: "PMT", periodStart: "2024-03-31", periodEnd: "2024-03-31", due: "2024-04-30" },
      // Mar 31 + 120 days = Jul 29.
      { report: "FINAL", periodStart: "2024-03-31", periodEnd: "2024-03-31", due: "2024-07-29" },
      { report: "BSIR", periodStart: "2024-03-31", periodEnd: "2024-03-31", due: "2024-07-30" },
    ]);
  });

  it("splits a two-day award straddling Jun 30 / Jul 1 into two half-years", () => {
    const list = generateObligations({ popStart: "2024-06-30", popEnd: "2024-07-01", reports: ["BSIR"] });
    expect(of(list, "BSIR")).toEqual([
      ["2024-06-30", "2024-06-30", "2024-07-30"],
      ["2024-07-01", "2024-07-01", "2025-01-30"],
    ]);
  });

  it("counts the final report's 120 days through leap days", () => {
    const due = (popEnd: string) =>
      generateObligations({ popStart: "2022-01-01", popEnd, reports: ["FINAL"] })[0].due;
    expect(due("2024-02-29")).toBe("2024-06-28");
    expect(due("2023-12-31")).toBe("2024-04-29"); // through Feb 29 2024
    expect(due("2022-12-31")).toBe("2023-04-30"); // no leap day
  });

  it("reads the program's list leniently: case, spaces, duplicates, unknown names", () => {
    const list = generateObligations({ popStart: "2024-01-01", popEnd: "2024-06-30", reports: [" bsir", "BSIR", "PPR", ""] });
    expect(list).toEqual([{ report: "BSIR", periodStart: "2024-01-01", periodEnd: "2024-06-30", due: "2024-07-30" }]);
    expect(generateObligations({ popStart: "2024-01-01", popEnd: "2024-06-30", reports: [] })).toEqual([]);
  });

  it("refuses an award that ends before it starts", () => {
    expect(() => generateObligations({ popStart: "2024-07-01", popEnd: "2024-06-30", reports: ["SF-425"] })).toThrow(RangeError);
  });
});

describe("obligationStatus", () => {
  const due = "2025-01-30";
  it("is upcoming up to and including the due date, overdue the day after", () => {
    expect(obligationStatus({ due, submittedOn: null }, "2025-01-29")).toBe("upcoming");
    expect(obligationStatus({ due, submittedOn: null }, "2025-01-30")).toBe("upcoming");
    expect(obligationStatus({ due, submittedOn: null }, "2025-01-31")).toBe("overdue");
  });
  it("is submitted once submitted, even late", () => {
    expect(obligationStatus({ due, submittedOn: "2025-03-01" }, "2025-04-01")).toBe("submitted");
    expect(obligationStatus({ due, submittedOn: "2025-01-02" }, "2025-01-03")).toBe("submitted");
  });
});

describe("suspensionDate", () => {
  it("is 15 days after the due date, across month ends and leap days", () => {
    expect(suspensionDate("2025-01-30")).toBe("2025-02-14");
    expect(suspensionDate("2024-02-20")).toBe("2024-03-06");
    expect(suspensionDate("2023-02-20")).toBe("2023-03-07");
    expect(suspensionDate("2024-12-20")).toBe("2025-01-04");
  });
});

describe("sortObligations", () => {
  it("puts overdue reports first, then everything else by due date", () => {
    const rows = [
      { id: 1, due: "2025-07-30", submittedOn: null },
      { id: 2, due: "2025-01-30", submittedOn: "2025-01-15" },
      { id: 3, due: "2025-04-30", submittedOn: null },
      { id: 4, due: "2024-10-30", submittedOn: null },
      { id: 5, due: "2025-03-01", submittedOn: null },
      { id: 6, due: "2025-03-02", submittedOn: null },
    ];
    const sorted = sortObligations(rows, "2025-03-02");
    expect(sorted.map((r) => r.id)).toEqual([4, 5, 2, 6, 3, 1]);
    expect(rows[0].id).toBe(1); // input untouched
  });
});
