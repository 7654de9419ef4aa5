/**
 * Reading the worksheets of an XLSX file with every size bounded while it is unpacked
 * (docs/decisions/013-import-layout.md): each part of the archive, the archive as a whole, and the
 * shared strings are counted as they are inflated and parsed, and reading stops at the first limit
 * with an ImportFileError, so a small hostile file (a "zip bomb", 300,000 copies of a 1 KB string)
 * costs a bounded amount of memory, disk and time.
 *
 * exceljs does the XML; this replaces its archive loop (WorkbookReader.parse, exceljs 4.4) so that
 * every part passes through a counter before exceljs sees it. Worksheets stored before the shared
 * strings (Excel's own order) wait in a temp file, bounded by the same counters.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import type ExcelJS from "exceljs";

export interface XlsxLimits {
  /** Unpacked bytes of the whole archive. */
  maxUnzippedBytes: number;
  /** Unpacked bytes of any one part (a worksheet, the shared strings). */
  maxEntryBytes: number;
  /** Characters of all shared strings together (they are held in memory while the sheet is read). */
  maxSharedStringChars: number;
}

/** A limit was reached; the message says which, in words a user can act on. */
export class XlsxTooLarge extends Error {}

const int = new Intl.NumberFormat("en-US");

/** 200 KB, 256 MB: limits are whole KiB or MiB. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${int.format(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${int.format(bytes / 1024)} KB`;
  return `${int.format(bytes)} bytes`;
}

const ADVICE = "Save the sheet as CSV, or split it.";

type Unzipper = { Parse(opts: { forceStream: boolean }): NodeJS.ReadWriteStream & AsyncIterable<ZipEntry> & { destroy(): void } };
type ZipEntry = Readable & { path: string; autodrain(): unknown };
type WorkbookReaderClass = new (input: Readable, options: Partial<ExcelJS.stream.xlsx.WorkbookStreamReaderOptions>) => AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader>;

let loaded: { Excel: typeof ExcelJS; unzipper: Unzipper } | undefined;
/** exceljs on first use (it adds ~30 MB to a process that never reads a workbook), and the unzipper it ships with. */
async function load() {
  if (!loaded) {
    const { default: Excel } = await import("exceljs");
    const require = createRequire(import.meta.url);
    const unzipper = createRequire(require.resolve("exceljs"))("unzipper") as Unzipper;
    loaded = { Excel, unzipper };
  }
  return loaded;
}

/** The first worksheet's rows, read with every size bounded. */
export async function openWorkbook(input: Readable, limits: XlsxLimits): Promise<AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader>> {
  const { Excel, unzipper } = await load();
  const Base = Excel.stream.xlsx.WorkbookReader as unknown as WorkbookReaderClass;
  let total = 0;

  /** Passes an entry's inflated bytes on, counting them against both limits. */
  const counted = (entry: ZipEntry): Transform => {
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        size += chunk.length;
        total += chunk.length;
        if (size > limits.maxEntryBytes) {
          return done(new XlsxTooLarge(`The XLSX file's part ${entry.path} unpacks to more than ${sizeText(limits.maxEntryBytes)}, the most one part may hold. ${ADVICE}`));
        }
        if (total > limits.maxUnzippedBytes) {
          return done(new XlsxTooLarge(`The XLSX file unpacks to more than ${sizeText(limits.maxUnzippedBytes)}, the most an import reads. ${ADVICE}`));
        }
        done(null, chunk);
      },
    });
    entry.on("error", (e) => counter.destroy(e));
    entry.pipe(counter);
    return counter;
  };

  // The private steps of exceljs's WorkbookReader that this loop calls (exceljs 4.4 lib/stream/xlsx/workbook-reader.js).
  interface Internals {
    sharedStrings?: unknown[];
    workbookRels?: unknown;
    _parseRels(entry: Readable): Promise<void>;
    _parseWorkbook(entry: Readable): Promise<void>;
    _parseSharedStrings(entry: Readable): AsyncGenerator<{ index: number; text: unknown }>;
    _parseStyles(entry: Readable): Promise<void>;
    _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: unknown }>;
  }

  class BoundedReader extends Base {
    async *parse(): AsyncGenerator<{ eventType: string; value: unknown }> {
      const self = this as unknown as Internals;
      const zip = unzipper.Parse({ forceStream: true });
      input.on("error", (e) => (zip as unknown as { destroy(e: Error): void }).destroy(e));
      input.pipe(zip);
      const waiting: Array<{ sheetNo: string; file: string }> = [];
      try {
        for await (const entry of zip) {
          const sheet = /^xl\/worksheets\/sheet(\d+)[.]xml$/.exec(entry.path);
          const wanted = ["xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"].includes(entry.path) || sheet;
          if (!wanted) {
            entry.autodrain();
            continue;
          }
          const part = counted(entry);
          if (entry.path === "xl/_rels/workbook.xml.rels") await self._parseRels(part);
          else if (entry.path === "xl/workbook.xml") await self._parseWorkbook(part);
          else if (entry.path === "xl/styles.xml") await self._parseStyles(part);
          else if (entry.path === "xl/sharedStrings.xml") {
            const strings: unknown[] = [];
            let chars = 0;
            for await (const { text } of self._parseSharedStrings(part)) {
              chars += textLength(text);
              if (chars > limits.maxSharedStringChars) {
                throw new XlsxTooLarge(
                  `The XLSX file's shared strings hold more than ${int.format(limits.maxSharedStringChars)} characters, the most an import reads. ${ADVICE}`,
                );
              }
              strings.push(text);
            }
            self.sharedStrings = strings;
          } else if (sheet && self.sharedStrings && self.workbookRels) {
            yield* self._parseWorksheet(part, sheet[1]);
          } else if (sheet) {
            const file = path.join(os.tmpdir(), `baseline-sheet-${randomUUID()}.xml`);
            waiting.push({ sheetNo: sheet[1], file });
            await new Promise<void>((resolve, reject) => {
              const out = fs.createWriteStream(file, { mode: 0o600 });
              part.on("error", (e) => {
                out.destroy();
                reject(e);
              });
              out.on("error", reject);
              out.on("finish", resolve);
              part.pipe(out);
            });
          }
        }
        // exceljs reads shared strings as they come; a workbook without any still reads its inline strings.
        self.sharedStrings ??= [];
        for (const { sheetNo, file } of waiting) yield* self._parseWorksheet(fs.createReadStream(file), sheetNo);
      } finally {
        input.unpipe(zip);
        input.destroy();
        zip.destroy();
        for (const { file } of waiting) fs.rm(file, { force: true }, () => {});
      }
    }
  }

  return new BoundedReader(input, {
    sharedStrings: "emit", // collected and counted by parse() above
    hyperlinks: "ignore",
    styles: "cache", // needed to tell date cells from numbers
    worksheets: "emit",
    entries: "ignore",
  });
}

function textLength(text: unknown): number {
  if (typeof text === "string") return text.length;
  if (text && typeof text === "object" && Array.isArray((text as { richText?: unknown }).richText)) {
    let n = 0;
    for (const r of (text as { richText: { text?: string }[] }).richText) n += r.text?.length ?? 0;
    return n;
  }
  return 0;
}
