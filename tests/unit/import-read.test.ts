import { createReadStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  describeError,
  ImportFileError,
  openImport,
  readRows,
  validateImport,
  type ImportSource,
  type ReadOptions,
  type RowValidation,
} from "~/import";
import type { ImportType } from "~/import";

const FIXTURES = path.resolve(__dirname, "../fixtures/import");

function csv(text: string | Buffer, fileName = "upload.csv"): ImportSource {
  return { fileName, buffer: typeof text === "string" ? Buffer.from(text, "utf8") : text };
}

async function readAll<T extends ImportType>(source: ImportSource, opts: ReadOptions<T> = {}) {
  const out: RowValidation[] = [];
  for await (const r of readRows(source, opts)) out.push(r);
  return out;
}

async function fileError(source: ImportSource, opts: ReadOptions = {}): Promise<ImportFileError> {
  try {
    await readAll(source, opts);
  } catch (e) {
    if (e instanceof ImportFileError) return e;
    throw e;
  }
  throw new Error("expected the file to be refused");
}

function okRows(results: RowValidation[]) {
  return results.map((r) => {
    if (!r.ok) throw new Error(`row ${r.rowNumber}: ${r.errors.map(describeError).join("; ")}`);
    return r.row;
  });
}

function errorsOf(results: RowValidation[]) {
  return results.flatMap((r) => (r.ok ? [] : r.errors));
}

/** A one-file ZIP archive (stored, no compression). */
function storedZip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = zlib.crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

const SPENDING_HEADER = "spend_id,line_id,date,amount,description\n";

describe("files refused as a whole", () => {
  it.each([
    ["no bytes at all", Buffer.alloc(0)],
    ["only a byte-order mark", Buffer.from([0xef, 0xbb, 0xbf])],
    ["only blank lines", Buffer.from("\r\n\r\n  \n")],
  ])("an empty file (%s)", async (_what, bytes) => {
    const e = await fileError(csv(bytes));
    expect(e.message).toBe("The file is empty");
    expect(e.code).toBe("empty");
  });

  it.each([
    ["with a final newline", SPENDING_HEADER],
    ["without a final newline", SPENDING_HEADER.trim()],
    ["followed by blank and comma-only lines", SPENDING_HEADER + "\n,,,,\n\n"],
  ])("a header with no data rows (%s)", async (_what, text) => {
    const e = await fileError(csv(text));
    expect(e.message).toBe("The file has a header row but no data rows");
  });

  it("binary garbage with NUL bytes", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(200, 7)]);
    const e = await fileError(csv(png, "photo.csv"));
    expect(e.message).toBe("This does not look like a CSV or XLSX file");
  });

  it("text that is not UTF-8 in the first kilobyte (a Windows-1252 export)", async () => {
    const latin1 = Buffer.from("spend_id,line_id,date,amount,description\nS1,L1,2024-01-05,10,Caf\xe9\n", "latin1");
    const e = await fileError(csv(latin1));
    expect(e.message).toBe("This does not look like a CSV or XLSX file");
  });

  it("a bad byte further down the file names the problem and the encoding to use", async () => {
    const good = SPENDING_HEADER + Array.from({ length: 100 }, (_, i) => `S${i},L1,2024-01-05,10,ok\n`).join("");
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from("S999,L1,2024-01-05,10,Caf\xe9\n", "latin1")]);
    const e = await fileError(csv(bytes));
    expect(e.code).toBe("not_utf8");
    expect(e.message).toMatch(/not UTF-8 text.*CSV UTF-8/);
  });

  it("a UTF-16 file says how to save it", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SPENDING_HEADER, "utf16le")]);
    const e = await fileError(csv(utf16));
    expect(e.message).toMatch(/^This does not look like a CSV or XLSX file: it is UTF-16 text/);
  });

  it("a file named .xlsx that is not a workbook", async () => {
    const e = await fileError(csv("this is just text\n", "budget.xlsx"));
    expect(e.message).toBe("This does not look like a CSV or XLSX file");
  });

  it("unknown columns are named, with a hint for a near miss", async () => {
    const e = await fileError(csv("spend_id,line_id,date,ammount,description,notes\nS1,L1,2024-01-05,10,x,y\n"));
    expect(e.code).toBe("bad_header");
    expect(e.message).toContain('Unknown columns "ammount" (did you mean amount?), "notes"');
    expect(e.message).toContain("Missing column amount");
  });

  it("missing required columns are named", async () => {
    const e = await fileError(csv("award_number,center,program,fiscal_year,amount\nA1,TX-TFC,SHSP,2024,10\n"));
    expect(e.message).toContain("Missing columns pop_start, pop_end");
    expect(e.message).toContain("A awards file has the columns: award_number, center, program, fiscal_year, amount, pop_start, pop_end");
  });

  it("a column named twice", async () => {
    const e = await fileError(csv("spend_id,line_id,date,amount,amount\nS1,L1,2024-01-05,10,10\n"));
    expect(e.message).toContain("Column amount appears twice");
  });

  it("a header that fits no type lists the formats", async () => {
    const e = await fileError(csv("first,last,email\na,b,c\n"));
    expect(e.code).toBe("unknown_type");
    expect(e.message).toContain("spending (spend_id, line_id, date, amount, description)");
  });

  it("a header that fits two types asks for the type, and the explicit type then reads it", async () => {
    const text = "center,fiscal_year\nTX-TFC,2024\n";
    const e = await fileError(csv(text));
    expect(e.message).toBe("The header row fits both awards and assessments; choose the type of data explicitly");
    // With the type given, the header is checked against it and the missing columns named.
    const e2 = await fileError(csv(text), { type: "assessments" });
    expect(e2.message).toContain("Missing columns capability, status");
  });

  it("an explicit type that does not match the file names the columns it does not know", async () => {
    const e = await fileError(csv(SPENDING_HEADER + "S1,L1,2024-01-05,10,x\n"), { type: "awards" });
    expect(e.message).toContain('Unknown columns "spend_id", "line_id", "date", "description"');
  });

  it("a quote that is never closed stops the file at the row where it opens", async () => {
    const e = await fileError(csv(SPENDING_HEADER + 'S1,L1,2024-01-05,10,fine\nS2,L1,2024-01-06,10,"runs on\nS3,L1,2024-01-07,10,x\n'));
    expect(e.code).toBe("bad_csv");
    expect(e.message).toBe('Row 3: a quoted value is never closed (a missing ")');
  });
});

describe("CSV dialects", () => {
  it("reads a semicolon-delimited file", async () => {
    const file = await openImport(csv('spend_id;line_id;date;amount;description\nS1;L1;2024-01-05;"1,234.56";Lunch; with colleagues\n'));
    expect(file.delimiter).toBe(";");
    const rows = [];
    for await (const r of file.rows()) rows.push(r);
    expect(rows).toEqual([
      { ok: false, rowNumber: 2, errors: [{ row: 2, column: "", message: expect.stringContaining("This row has 6 fields but the header has 5") }] },
    ]);
  });

  it("semicolon file with a quoted semicolon", async () => {
    const results = await readAll(csv('spend_id;line_id;date;amount;description\nS1;L1;2024-01-05;1234.56;"Lunch; with colleagues"\n'));
    expect(okRows(results)).toEqual([
      { spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 123456, description: "Lunch; with colleagues" },
    ]);
  });

  it("reads a tab-delimited file, commas inside values included", async () => {
    const file = await openImport(csv("spend_id\tline_id\tdate\tamount\tdescription\nS1\tL1\t01/05/2024\t$1,234.56\tPens, paper\n"));
    expect(file.delimiter).toBe("\t");
    const rows = [];
    for await (const r of file.rows()) rows.push(r);
    expect(okRows(rows)).toEqual([{ spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 123456, description: "Pens, paper" }]);
  });

  it("accepts a byte-order mark and Windows line endings, counting rows from the header", async () => {
    const text = "\ufeffSpend_ID , LINE_ID,date,amount,description\r\nS1,L1,2024-01-05,10,first\r\nS2,L1,2024-01-06,abc,second\r\n";
    const results = await readAll(csv(text));
    expect(results[0]).toEqual({
      ok: true,
      rowNumber: 2,
      row: { spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 1000, description: "first" },
    });
    expect(errorsOf(results)).toEqual([
      { row: 3, column: "amount", message: '"abc" is not an amount in dollars (use 1234.56 or $1,234.56)' },
    ]);
  });

  it("quoted commas and line breaks; later rows keep their file line numbers", async () => {
    const text =
      SPENDING_HEADER +
      'S1,L1,2024-01-05,10,"Pens, paper and toner"\n' +
      'S2,L1,2024-01-06,20,"Line one\r\nline two\nline three"\n' +
      "S3,L1,2024-01-07,-5,after the long one\n";
    const results = await readAll(csv(text));
    expect(results.map((r) => r.rowNumber)).toEqual([2, 3, 6]);
    expect(okRows(results.slice(0, 2)).map((r) => (r as { description: string }).description)).toEqual([
      "Pens, paper and toner",
      "Line one\nline two\nline three",
    ]);
    expect(errorsOf(results)).toEqual([{ row: 6, column: "amount", message: "Amount cannot be negative" }]);
  });

  it("skips blank and comma-only lines without losing count of rows", async () => {
    const results = await readAll(csv(SPENDING_HEADER + "\nS1,L1,2024-01-05,10,a\n,,,,\n\nS2,L1,2024-01-05,10,b\n"));
    expect(results.map((r) => r.rowNumber)).toEqual([3, 6]);
  });

  it("a row with the wrong number of fields is an error on that row; the others are read", async () => {
    const results = await readAll(csv(SPENDING_HEADER + "S1,L1,2024-01-05,10,Pens, paper\nS2,L1,2024-01-05,10\nS3,L1,2024-01-05,10,ok\n"));
    expect(errorsOf(results)).toEqual([
      { row: 2, column: "", message: "This row has 6 fields but the header has 5 (a comma inside an unquoted value?)" },
      { row: 3, column: "", message: "This row has 4 fields but the header has 5 (a comma inside an unquoted value?)" },
    ]);
    expect(results[2].ok).toBe(true);
  });

  it("optional columns may be left out of the header", async () => {
    const results = await readAll(csv("spend_id,line_id,date,amount\nS1,L1,2024-01-05,10\n"));
    expect(okRows(results)).toEqual([{ spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 1000, description: "" }]);
  });

  it("a stray quote inside a value is kept as text", async () => {
    const results = await readAll(csv(SPENDING_HEADER + 'S1,L1,2024-01-05,10,27" monitor\n'));
    expect(okRows(results)[0]).toMatchObject({ description: '27" monitor' });
  });
});

describe("formula-looking cells", () => {
  it("=HYPERLINK(...) in a text column is kept as plain text, unchanged", async () => {
    const results = await readAll(csv(SPENDING_HEADER + 'S1,L1,2024-01-05,10,"=HYPERLINK(""http://example.com"",""click"")"\nS2,L1,2024-01-05,10,@SUM(A1)\n'));
    expect(okRows(results).map((r) => (r as { description: string }).description)).toEqual([
      '=HYPERLINK("http://example.com","click")',
      "@SUM(A1)",
    ]);
  });

  it("the export's apostrophe escape is taken off text columns only", async () => {
    const results = await readAll(
      csv(
        "code,name,state,kind\n" +
          "TX-TFC,'=Texas,TX,state\n" + // escaped by an export: apostrophe removed
          "OK-OIFC,''+quoted,OK,state\n" + // "'+quoted" escaped once more: one apostrophe removed
          "AZ-ACTIC,'Tis the season,AZ,state\n", // an apostrophe before an ordinary letter stays
      ),
    );
    expect(okRows(results).map((r) => (r as { name: string }).name)).toEqual(["=Texas", "'+quoted", "'Tis the season"]);
  });

  it("-5 in an amount column is a negative amount, refused; '-5 is not an amount at all", async () => {
    const results = await readAll(csv(SPENDING_HEADER + "S1,L1,2024-01-05,-5,x\nS2,L1,2024-01-05,'-5,x\n"));
    expect(errorsOf(results)).toEqual([
      { row: 2, column: "amount", message: "Amount cannot be negative" },
      { row: 3, column: "amount", message: `"'-5" is not an amount in dollars (use 1234.56 or $1,234.56)` },
    ]);
  });
});

describe("row checks", () => {
  it("bad money, date, status and year name the row and the column", async () => {
    const text =
      "center,fiscal_year,capability,status,evidence\n" +
      "TX-TFC,2024,I.A,achieved,ok\n" +
      "TX-TFC,1999,I.B,done,\n" +
      "TX-TFC,2024,,Not Achieved,\n";
    const results = await readAll(csv(text));
    expect(results[0].ok).toBe(true);
    expect(errorsOf(results).map(describeError)).toEqual([
      'Row 3, fiscal_year: "1999" is not a fiscal year from 2000 to 2100 (like 2024 or FY2024)',
      'Row 3, status: "done" is not a status; use one of achieved, partial, not_achieved, not_applicable',
      "Row 4, capability: Capability is required (a catalog id like I.A or COC-2)",
    ]);
  });

  it("awards: money with too many decimals, an impossible date and a period that ends before it starts", async () => {
    const text =
      "award_number,center,program,fiscal_year,amount,pop_start,pop_end\n" +
      "A-1,TX-TFC,shsp,2024,100.555,2024-02-30,2026-01-01\n" +
      "A-2,TX-TFC,UASI,2024,100,2024-10-01,2024-09-30\n" +
      "A-3,TX-TFC,FEMA,2024,100,2024-10-01,2025-09-30\n";
    const results = await readAll(csv(text));
    expect(errorsOf(results)).toEqual([
      { row: 2, column: "amount", message: "Amount has more than two decimals (cents)" },
      { row: 2, column: "pop_start", message: '"2024-02-30" is not a real calendar date' },
      { row: 3, column: "pop_end", message: "The period of performance ends (2024-09-30) before it starts (2024-10-01)" },
      { row: 4, column: "program", message: '"FEMA" is not a program; use one of SHSP, UASI, OPSG, JAG, COPS, OTHER_FED, STATE, LOCAL' },
    ]);
  });

  it("centers: lowercase state is upper-cased; an unknown code is refused", async () => {
    const results = await readAll(csv("code,name,state,kind\nGU-1,Guam Fusion Center,gu,state\nXX-1,Nowhere,XX,urban area\n"));
    expect(results[0]).toMatchObject({ ok: true, row: { code: "GU-1", state: "GU", kind: "state" } });
    expect(errorsOf(results)).toEqual([
      { row: 3, column: "state", message: '"XX" is not a USPS state or territory code (like TX, DC or PR)' },
    ]);
  });

  it("budget lines: an empty capability means none; a malformed one is refused", async () => {
    const text =
      "line_id,award_number,capability,poete,cost_category,amount,description\n" +
      "L1,A-1,,planning,M&A,100,admin\n" +
      "L2,A-1,I A,training,travel,100,\n";
    const results = await readAll(csv(text));
    expect(results[0]).toMatchObject({ ok: true, row: { capabilityId: null, costCategory: "ma", amountCents: 10000 } });
    expect(errorsOf(results)).toEqual([
      { row: 3, column: "capability", message: '"I A" is not a capability id (like I.A, II.B, COC-2 or EC-1)' },
    ]);
  });

  it("evidence over 4,000 characters is refused", async () => {
    const long = "x".repeat(4001);
    const results = await readAll(csv(`center,fiscal_year,capability,status,evidence\nTX-TFC,2024,I.A,achieved,${long}\n`));
    expect(errorsOf(results)).toEqual([{ row: 2, column: "evidence", message: "Evidence is 4001 characters long; the limit is 4000" }]);
  });

  it.each([
    ["spending", SPENDING_HEADER + "S1,L1,2024-01-05,10,a\nS2,L1,2024-01-05,10,b\n S1 ,L2,2024-01-06,20,c\n", 4, "spend_id", "Same spend_id as row 2"],
    ["centers", "code,name,state,kind\nTX-TFC,Texas,TX,state\nTX-TFC,Texas again,TX,state\n", 3, "code", "Same code as row 2"],
    [
      "assessments",
      "center,fiscal_year,capability,status,evidence\nTX-TFC,2024,I.A,achieved,\nTX-TFC,2025,I.A,achieved,\nTX-TFC,FY2024,I.A,partial,\n",
      4,
      "center",
      "Same center, fiscal_year and capability as row 2",
    ],
  ])("a duplicate %s key is an error on the later row naming the earlier one", async (_type, text, row, column, message) => {
    const results = await readAll(csv(text));
    const errors = errorsOf(results);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row, column });
    expect(errors[0].message).toContain(message);
  });

  it("validateImport keeps the first errors, counts them all and hands valid rows over in order", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `S${i},L1,2024-01-05,${i % 3 === 0 ? "bad" : "1.00"},x`);
    const seen: number[] = [];
    const summary = await validateImport(csv(SPENDING_HEADER + lines.join("\n")), {
      maxErrors: 4,
      onRow: (_row, rowNumber) => void seen.push(rowNumber),
    });
    // Rows i = 0, 3, ..., 27 are bad: 10 errors; rows 2..31 in the file.
    expect(summary).toMatchObject({ type: "spending", format: "csv", rowsRead: 30, validRows: 20, errorCount: 10, truncated: true });
    expect(summary.errors.map((e) => e.row)).toEqual([2, 5, 8, 11]);
    expect(seen.slice(0, 4)).toEqual([3, 4, 6, 7]);
  });
});

describe("progress", () => {
  it("reports every 10,000 rows and once at the end", async () => {
    const lines = Array.from({ length: 25_000 }, (_, i) => `S${i},L1,2024-01-05,1.00,x`).join("\n");
    const buffer = Buffer.from(SPENDING_HEADER + lines);
    const calls: [number, number, number | undefined][] = [];
    await validateImport(csv(buffer), { onProgress: (n, info) => calls.push([n, info.bytesRead, info.totalBytes]) });
    expect(calls.map((c) => c[0])).toEqual([10_000, 20_000, 25_000]);
    expect(calls[2][1]).toBe(buffer.length);
    expect(calls[2][2]).toBe(buffer.length);
  });
});

describe("type detection and the example files", () => {
  it.each([
    ["centers.csv", "centers", 4],
    ["awards.csv", "awards", 4],
    ["budget_lines.csv", "budget_lines", 5],
    ["spending.csv", "spending", 4],
    ["assessments.csv", "assessments", 5],
  ])("%s is read as %s with every row valid", async (name, type, count) => {
    const file = await openImport({ fileName: name, stream: createReadStream(path.join(FIXTURES, name)) });
    expect(file.type).toBe(type);
    const rows = [];
    for await (const r of file.rows()) rows.push(r);
    expect(okRows(rows)).toHaveLength(count);
  });

  it("awards.csv: money, fiscal years and US dates come out as cents, numbers and ISO dates", async () => {
    const rows = okRows(await readAll({ fileName: "awards.csv", stream: createReadStream(path.join(FIXTURES, "awards.csv")) }));
    expect(rows[0]).toEqual({
      awardNumber: "EMW-2023-SS-00012",
      centerCode: "TX-TFC",
      programCode: "SHSP",
      fiscalYear: 2023,
      amountCents: 125_000_000,
      popStart: "2023-09-01",
      popEnd: "2026-08-31",
    });
    expect(rows[1]).toMatchObject({ amountCents: 340_000_000, popStart: "2023-09-01", popEnd: "2026-08-31" });
    expect(rows[2]).toMatchObject({ amountCents: 41_250_050 });
    expect(rows[3]).toMatchObject({ fiscalYear: 2024, programCode: "STATE" });
  });

  it("assessments.csv: a multi-line evidence cell, and the next row's number after it", async () => {
    const results = await readAll({ fileName: "a.csv", stream: createReadStream(path.join(FIXTURES, "assessments.csv")) });
    expect(results.map((r) => r.rowNumber)).toEqual([2, 3, 5, 6, 7]);
    expect(okRows(results)[1]).toEqual({
      centerCode: "TX-TFC",
      fiscalYear: 2024,
      capabilityId: "II.B",
      status: "partial",
      evidence: "Privacy policy drafted; awaiting legal review.\nApproval expected Q3.",
    });
  });

  it("an unknown explicit type (a typo in --type) is refused", async () => {
    const e = await fileError(csv(SPENDING_HEADER + "S1,L1,2024-01-05,10,x\n"), { type: "spend" as ImportType });
    expect(e.message).toBe('Unknown type "spend"; use one of centers, awards, budget_lines, spending, assessments');
  });

  it("stopping early releases the file stream", async () => {
    const stream = createReadStream(path.join(FIXTURES, "spending.csv"));
    for await (const r of readRows({ fileName: "spending.csv", stream })) {
      expect(r.rowNumber).toBe(2);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});

describe("XLSX", () => {
  async function workbook(rows: unknown[][], sheetName = "Data"): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(sheetName);
    for (const r of rows) ws.addRow(r);
    wb.addWorksheet("Notes").addRow(["ignored: only the first sheet is read"]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it("reads the first worksheet of a workbook written in memory, with sheet row numbers", async () => {
    const buffer = await workbook([
      ["line_id", "award_number", "capability", "poete", "cost_category", "amount", "description"],
      ["L1", "A-1", "II.D", "organization", "personnel", 420000, "Analysts"],
      [],
      ["L2", "A-1", null, "Equipment", "equipment", 0.1 + 0.2, { richText: [{ text: "=SUM(" }, { text: "A1)" }] }],
      ["L3", "A-1", "I.A", "planning", "other", -5, "x"],
    ]);
    const file = await openImport({ fileName: "upload.bin", buffer });
    expect(file.format).toBe("xlsx");
    expect(file.type).toBe("budget_lines");
    const results = [];
    for await (const r of file.rows()) results.push(r);
    expect(results.map((r) => r.rowNumber)).toEqual([2, 4, 5]);
    expect(okRows(results.slice(0, 2))).toEqual([
      { lineId: "L1", awardNumber: "A-1", capabilityId: "II.D", poete: "organization", costCategory: "personnel", amountCents: 42_000_000, description: "Analysts" },
      { lineId: "L2", awardNumber: "A-1", capabilityId: null, poete: "equipment", costCategory: "equipment", amountCents: 30, description: "=SUM(A1)" },
    ]);
    expect(errorsOf(results)).toEqual([{ row: 5, column: "amount", message: "Amount cannot be negative" }]);
  });

  it("date cells, formulas with results and a value in a column with no header", async () => {
    const buffer = await workbook([
      ["spend_id", "line_id", "date", "amount", "description"],
      ["S1", "L1", new Date(Date.UTC(2024, 1, 29)), { formula: "1000+234.56", result: 1234.56 }, "ok"],
      ["S2", "L1", "2024-03-01", 1, "x", "stray"],
    ]);
    const results = await readAll({ fileName: "spending.xlsx", buffer });
    expect(results[0]).toEqual({
      ok: true,
      rowNumber: 2,
      row: { spendId: "S1", lineId: "L1", date: "2024-02-29", amountCents: 123456, description: "ok" },
    });
    expect(errorsOf(results)).toEqual([{ row: 3, column: "", message: "Column 6 has no header but this row has a value there" }]);
  });

  it("empty and header-only workbooks are refused like CSV", async () => {
    expect((await fileError({ fileName: "x.xlsx", buffer: await workbook([]) })).message).toBe("The file is empty");
    expect((await fileError({ fileName: "x.xlsx", buffer: await workbook([["spend_id", "line_id", "date", "amount"]]) })).message).toBe(
      "The file has a header row but no data rows",
    );
  });

  it("a ZIP that is not a workbook (a Word file uploaded by mistake) is refused", async () => {
    const e = await fileError({ fileName: "report.docx", buffer: storedZip("word/document.xml", "<w:document/>") });
    expect(e.message).toBe("This does not look like a CSV or XLSX file");
    const truncated = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(60, 0)]);
    expect((await fileError({ fileName: "upload", buffer: truncated })).message).toBe("This does not look like a CSV or XLSX file");
  });

  it("reads the example workbook from a file stream", async () => {
    const results = await readAll({ fileName: "spending.xlsx", stream: createReadStream(path.join(FIXTURES, "spending.xlsx")) });
    expect(okRows(results)).toEqual([
      { spendId: "TX23-P1-0001", lineId: "TX23-P1", date: "2023-10-31", amountCents: 1_750_000, description: "October payroll" },
      { spendId: "TX23-P1-0002", lineId: "TX23-P1", date: "2023-11-30", amountCents: 1_750_050, description: "November payroll" },
      { spendId: "TX23-E1-0001", lineId: "TX23-E1", date: "2024-01-15", amountCents: 4_211_840, description: "Workstations (6), invoice 88231" },
    ]);
  });

  it("stopping early releases the workbook stream", async () => {
    const stream = createReadStream(path.join(FIXTURES, "spending.xlsx"));
    const file = await openImport({ fileName: "spending.xlsx", stream });
    for await (const r of file.rows()) {
      expect(r.rowNumber).toBe(2);
      break;
    }
    expect(stream.destroyed).toBe(true);
    expect(file.rowsRead).toBe(1);
  });

  it("a web ReadableStream (an uploaded File's stream) is read too", async () => {
    const bytes = new Uint8Array(Buffer.from(SPENDING_HEADER + "S1,L1,2024-01-05,10,x\n"));
    const web = new Blob([bytes]).stream();
    const results = await readAll({ fileName: "upload.csv", stream: web as unknown as AsyncIterable<Uint8Array> });
    expect(okRows(results)).toHaveLength(1);
  });

  it("a Node Readable of strings is read too", async () => {
    const results = await readAll({ fileName: "x.csv", stream: Readable.from([SPENDING_HEADER, "S1,L1,2024-01-05,", "10,x\n"]) });
    expect(okRows(results)).toEqual([{ spendId: "S1", lineId: "L1", date: "2024-01-05", amountCents: 1000, description: "x" }]);
  });
});
