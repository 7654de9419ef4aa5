import { describe, expect, it } from "vitest";
import { ImportFileError, IMPORT_LIMITS, openImport, type ImportSource, type ReadOptions } from "~/import";
import { handmadeXlsx, sheetRow } from "../helpers/zip";

/**
 * Hostile spreadsheets: every size a file can blow up to — rows, unpacked size of an XLSX and of
 * each of its parts, shared strings — is refused with a message while reading, just over its limit,
 * and read as usual just under it.
 */

const HEADER = ["spend_id", "line_id", "date", "amount", "description"];
const row = (n: number) => [`S-${n}`, "L-1", "2024-01-15", "10.00", "Toner"];

async function readAll(source: ImportSource, opts: ReadOptions = {}): Promise<number> {
  const file = await openImport(source, opts);
  let n = 0;
  for await (const _ of file.rows()) n++;
  return n;
}

async function refusal(source: ImportSource, opts: ReadOptions = {}): Promise<ImportFileError> {
  try {
    await readAll(source, opts);
  } catch (e) {
    if (e instanceof ImportFileError) return e;
    throw e;
  }
  throw new Error("the file was read to the end");
}

function csvOf(rows: number): ImportSource {
  const lines = [HEADER.join(",")];
  for (let i = 1; i <= rows; i++) lines.push(row(i).join(","));
  return { fileName: "spending.csv", buffer: Buffer.from(lines.join("\n") + "\n") };
}

async function xlsxOf(rows: number, sharedStrings?: () => Iterable<Buffer>): Promise<ImportSource> {
  const buffer = await handmadeXlsx({
    rows: function* () {
      yield sheetRow(1, HEADER);
      for (let i = 1; i <= rows; i++) yield sheetRow(i + 1, row(i));
    },
    sharedStrings,
  });
  return { fileName: "spending.xlsx", buffer };
}

/** `count` identical shared strings of `size` characters each. */
function sameStrings(count: number, size: number): () => Iterable<Buffer> {
  const one = `<si><t>${"x".repeat(size)}</t></si>`;
  return function* () {
    const batch = Buffer.from(one.repeat(1000));
    for (let i = 0; i < count / 1000; i++) yield batch;
  };
}

describe("rows", () => {
  it("a CSV of exactly the row limit is read; one row more is refused", async () => {
    expect(await readAll(csvOf(20), { limits: { maxRows: 20 } })).toBe(20);
    const e = await refusal(csvOf(21), { limits: { maxRows: 20 } });
    expect(e.code).toBe("too_large");
    expect(e.message).toBe("The file has more than 20 data rows, the most one import takes. Split it into smaller files.");
  });

  it("an XLSX of exactly the row limit is read; one row more is refused", async () => {
    expect(await readAll(await xlsxOf(20), { limits: { maxRows: 20 } })).toBe(20);
    const e = await refusal(await xlsxOf(21), { limits: { maxRows: 20 } });
    expect(e.message).toBe("The file has more than 20 data rows, the most one import takes. Split it into smaller files.");
  });

  it("the default limit is a million rows", () => {
    expect(IMPORT_LIMITS.maxRows).toBe(1_000_000);
  });
});

describe("an XLSX that unpacks to more than it may", () => {
  it("a worksheet part over the per-part limit is refused while it is unpacked", async () => {
    const source = await xlsxOf(2000);
    // The same file read with room for its worksheet…
    expect(await readAll(source, { limits: { maxEntryBytes: 1024 * 1024 } })).toBe(2000);
    // …and with a limit under its size (about 550 KB unpacked).
    const e = await refusal(source, { limits: { maxEntryBytes: 200 * 1024 } });
    expect(e.code).toBe("too_large");
    expect(e.message).toBe(
      "The XLSX file's part xl/worksheets/sheet1.xml unpacks to more than 200 KB, the most one part may hold. Save the sheet as CSV, or split it.",
    );
  });

  it("parts under the per-part limit that add up to more than the total limit are refused", async () => {
    const source = await xlsxOf(2000, sameStrings(2000, 100));
    // About 550 KB of worksheet and 230 KB of shared strings.
    expect(await readAll(source, { limits: { maxEntryBytes: 600 * 1024, maxUnzippedBytes: 900 * 1024 } })).toBe(2000);
    const e = await refusal(source, { limits: { maxEntryBytes: 600 * 1024, maxUnzippedBytes: 700 * 1024 } });
    expect(e.message).toBe("The XLSX file unpacks to more than 700 KB, the most an import reads. Save the sheet as CSV, or split it.");
  });

  it("shared strings over the limit are refused, counted as they are read", async () => {
    const source = await xlsxOf(3, sameStrings(1000, 100));
    expect(await readAll(source, { limits: { maxSharedStringChars: 100_000 } })).toBe(3);
    const e = await refusal(source, { limits: { maxSharedStringChars: 99_999 } });
    expect(e.code).toBe("too_large");
    expect(e.message).toBe(
      "The XLSX file's shared strings hold more than 99,999 characters, the most an import reads. Save the sheet as CSV, or split it.",
    );
  });

  it("a 656 KB-class workbook of 300,000 identical 1 KB shared strings (305 MB unpacked) is refused with the default limits", async () => {
    const source = await xlsxOf(3, sameStrings(300_000, 1000));
    expect((source as { buffer: Uint8Array }).buffer.byteLength).toBeLessThan(2 * 1024 * 1024);
    const e = await refusal(source);
    expect(e.code).toBe("too_large");
    expect(e.message).toMatch(/^The XLSX file's shared strings hold more than 16,777,216 characters/);
  });
});
