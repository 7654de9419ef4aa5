import { describe, expect, it } from "vitest";
import {
  errorsToCsv,
  exportCsv,
  exportCsvStream,
  readRows,
  type AssessmentRow,
  type AwardRow,
  type BudgetLineRow,
  type CenterRow,
  type ImportType,
  type RowOf,
  type SpendingRow,
} from "~/import";

async function readBack<T extends ImportType>(type: T, text: string): Promise<RowOf<T>[]> {
  const rows: RowOf<T>[] = [];
  for await (const r of readRows({ fileName: "export.csv", buffer: Buffer.from(text) }, { type })) {
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    rows.push(r.row);
  }
  return rows;
}

const centers: CenterRow[] = [
  { code: "TX-TFC", name: "Texas Fusion Center", state: "TX", kind: "state", uei: null },
  { code: "X-1", name: "=HYPERLINK(\"http://evil\",\"x\")", state: "DC", kind: "urban_area", uei: null },
  { code: "X-2", name: "'=already quoted", state: "PR", kind: "state", uei: null },
];
const awards: AwardRow[] = [
  { awardNumber: "EMW-2023-SS-00012", centerCode: "TX-TFC", programCode: "SHSP", fiscalYear: 2023, amountCents: 125_000_000, popStart: "2023-09-01", popEnd: "2026-08-31", primeAward: null, passThrough: null },
  { awardNumber: "A-2", centerCode: "TX-TFC", programCode: "JAG", fiscalYear: 2024, amountCents: 5, popStart: "2023-10-01", popEnd: "2024-09-30", primeAward: null, passThrough: null },
];
const lines: BudgetLineRow[] = [
  { lineId: "L1", awardNumber: "A-2", capabilityId: null, poete: "planning", costCategory: "ma", amountCents: 123456, description: "-5% of the award, for admin" },
  { lineId: "L2", awardNumber: "A-2", capabilityId: "COC-2", poete: "training", costCategory: "travel", amountCents: 0, description: "Line one\nline two, with \"quotes\"" },
];
const spending: SpendingRow[] = [
  { spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 100, description: "@mention in a memo" },
];
const assessments: AssessmentRow[] = [
  { centerCode: "TX-TFC", fiscalYear: 2024, capabilityId: "II.B", status: "partial", evidence: "+1 analyst pending" },
];

describe("exportCsv", () => {
  it("writes the contract's header, money as 1234.56 and escaped text", () => {
    expect(exportCsv("budget_lines", lines)).toBe(
      "line_id,award_number,capability,poete,cost_category,amount,description\n" +
        "L1,A-2,,planning,ma,1234.56,\"'-5% of the award, for admin\"\n" +
        'L2,A-2,COC-2,training,travel,0.00,"Line one\nline two, with ""quotes"""\n',
    );
    expect(exportCsv("awards", awards)).toBe(
      "award_number,center,program,fiscal_year,amount,pop_start,pop_end,prime_award,pass_through\n" +
        "EMW-2023-SS-00012,TX-TFC,SHSP,2023,1250000.00,2023-09-01,2026-08-31,,\n" +
        "A-2,TX-TFC,JAG,2024,0.05,2023-10-01,2024-09-30,,\n",
    );
  });

  it("an optional byte-order mark for Excel", () => {
    expect(exportCsv("spending", [], { bom: true })).toBe("\ufeffspend_id,line_id,date,amount,description\n");
  });

  it.each([
    ["centers", centers],
    ["awards", awards],
    ["budget_lines", lines],
    ["spending", spending],
    ["assessments", assessments],
  ] as const)("%s: an export imports back to the same rows", async (type, rows) => {
    expect(await readBack(type, exportCsv(type, rows as never))).toEqual(rows);
  });

  it("the streaming export writes the same text", async () => {
    async function* gen() {
      yield* centers;
    }
    let text = "";
    for await (const chunk of exportCsvStream("centers", gen())) text += chunk.toString();
    expect(text).toBe(exportCsv("centers", centers));
  });
});

describe("errorsToCsv", () => {
  it("row,column,message with formula-looking messages escaped", () => {
    expect(
      errorsToCsv([
        { row: 3, column: "amount", message: "Amount cannot be negative" },
        { row: 7, column: "", message: "This row has 6 fields but the header has 5" },
        { row: 9, column: "status", message: "=cmd|' /C calc'!A0" },
      ]),
    ).toBe(
      "row,column,message\n" +
        "3,amount,Amount cannot be negative\n" +
        "7,,This row has 6 fields but the header has 5\n" +
        "9,status,'=cmd|' /C calc'!A0\n",
    );
  });
});

describe("USAspending sub-award rows read back exactly as exported", () => {
  const header = "prime_award_fain,subaward_number,subaward_amount,subaward_action_date,subawardee_uei";
  async function readAll(text: string) {
    const out = [];
    for await (const r of readRows({ fileName: "subawards.csv", buffer: Buffer.from(text) }, { type: "usaspending_subawards" })) out.push(r);
    return out;
  }

  it("reads a prime award number (FAIN) in any case as the same prime, upper-cased", async () => {
    const rows = await readBack("usaspending_subawards", `${header}\nemw-2024-ss-00011,S-1,100.00,2024-01-01,\nEMW-2024-SS-00011,S-2,100.00,2024-01-01,\n`);
    expect(rows.map((r) => r.primeFain)).toEqual(["EMW-2024-SS-00011", "EMW-2024-SS-00011"]);
    expect(await readBack("usaspending_subawards", exportCsv("usaspending_subawards", rows))).toEqual(rows);
  });

  it("refuses a sub-awardee UEI that is not letters and digits, naming the column, instead of changing it on the way back", async () => {
    // Read as text, "''+x" lost an apostrophe and came back as "+X" from the export.
    const results = await readAll(`${header}\nA,A,0.00,1990-01-01,''+x\n`);
    expect(results[0].ok).toBe(false);
    if (!results[0].ok) expect(results[0].errors).toEqual([{ row: 2, column: "subawardee_uei", message: expect.stringContaining("letters and digits") }]);
  });

  it("keeps a sub-award number that looks like a formula through export and import", async () => {
    const rows = await readBack("usaspending_subawards", `${header}\nA,"'=1+1",0.00,1990-01-01,jf5mlmq3ka88\nA,''-2,0.00,1990-01-01,\n`);
    expect(rows.map((r) => [r.subawardNumber, r.uei])).toEqual([["=1+1", "JF5MLMQ3KA88"], ["'-2", ""]]);
    // Exported escaped, as free text is, so a spreadsheet does not run it either.
    expect(exportCsv("usaspending_subawards", rows)).toContain(",'=1+1,");
    expect(await readBack("usaspending_subawards", exportCsv("usaspending_subawards", rows))).toEqual(rows);
  });
});
