import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { ErrorFile, MAX_ERROR_FILE_ROWS } from "~/import/jobs.server";

/** The "Download errors as CSV" file of an import: the first errors and a count of the rest, whatever the file. */
describe("the errors file", () => {
  it("keeps the first errors and says how many more there were, at a bounded size", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "errors-")), "errors.csv");
    const errors = new ErrorFile(file);
    for (let row = 2; row < 10_000_002; row++) errors.add({ row, column: "amount", message: `"x${row}" is not an amount` });
    errors.close();
    expect(fs.statSync(file).size).toBeLessThan(2 * 1024 * 1024);
    const records = parse(fs.readFileSync(file, "utf8"), { bom: true }) as string[][];
    expect(records[0]).toEqual(["row", "column", "message"]);
    expect(records).toHaveLength(1 + MAX_ERROR_FILE_ROWS + 1);
    expect(records[1]).toEqual(["2", "amount", '"x2" is not an amount']);
    expect(records[MAX_ERROR_FILE_ROWS]).toEqual([String(MAX_ERROR_FILE_ROWS + 1), "amount", `"x${MAX_ERROR_FILE_ROWS + 1}" is not an amount`]);
    expect(records.at(-1)).toEqual(["", "", "… and 9,990,000 more errors (only the first 10,000 are listed)"]);
  });

  it("lists every error when there are no more than the limit", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "errors-")), "errors.csv");
    const errors = new ErrorFile(file);
    for (let row = 2; row < MAX_ERROR_FILE_ROWS + 2; row++) errors.add({ row, column: "date", message: "bad date" });
    errors.close();
    const records = parse(fs.readFileSync(file, "utf8"), { bom: true }) as string[][];
    expect(records).toHaveLength(1 + MAX_ERROR_FILE_ROWS);
    expect(records.at(-1)).toEqual([String(MAX_ERROR_FILE_ROWS + 1), "date", "bad date"]);
  });
});
