import zlib from "node:zlib";

/** One entry of a test archive: its content, or pieces of it written one after the other (for large, repetitive entries). */
export interface ZipEntry {
  name: string;
  content: string | Buffer | (() => Iterable<Buffer>);
}

/**
 * A ZIP archive with deflated entries and sizes in the local headers, the way spreadsheet programs
 * write XLSX files. Large entries are compressed piece by piece, so a 300 MB entry never sits in memory.
 */
export async function deflatedZip(entries: ZipEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const pieces = typeof entry.content === "function" ? entry.content() : [Buffer.from(entry.content)];
    const deflate = zlib.createDeflateRaw({ level: 1 });
    const out: Buffer[] = [];
    deflate.on("data", (c: Buffer) => out.push(c));
    const ended = new Promise((resolve) => deflate.on("end", resolve));
    let crc = 0;
    let size = 0;
    for (const piece of pieces) {
      crc = zlib.crc32(piece, crc);
      size += piece.length;
      if (!deflate.write(piece)) await new Promise((resolve) => deflate.once("drain", resolve));
    }
    deflate.end();
    await ended;
    const data = Buffer.concat(out);
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    parts.push(local, name, data);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...centrals, end]);
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
  '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
  "</Types>";
const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
  "</Relationships>";
const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>';
const WORKBOOK_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' +
  "</Relationships>";

const SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const SHEET_TAIL = "</sheetData></worksheet>";

/** One row of inline-string cells (no shared strings needed). */
export function sheetRow(n: number, cells: string[]): string {
  const cols = "ABCDEFGHIJ";
  const xml = cells.map((c, i) => `<c r="${cols[i]}${n}" t="inlineStr"><is><t>${c}</t></is></c>`).join("");
  return `<row r="${n}">${xml}</row>`;
}

/**
 * An XLSX workbook written by hand, as a hostile user could: the worksheet's rows (as XML, or as
 * pieces written one after the other) and the shared strings (as pieces), in the order Excel writes
 * them (the worksheet before the shared strings).
 */
export function handmadeXlsx(opts: { rows: () => Iterable<string>; sharedStrings?: () => Iterable<Buffer> }): Promise<Buffer> {
  const sheet = function* () {
    yield Buffer.from(SHEET_HEAD);
    let batch: string[] = [];
    for (const row of opts.rows()) {
      batch.push(row);
      if (batch.length === 1000) {
        yield Buffer.from(batch.join(""));
        batch = [];
      }
    }
    if (batch.length) yield Buffer.from(batch.join(""));
    yield Buffer.from(SHEET_TAIL);
  };
  const shared = opts.sharedStrings;
  const entries: ZipEntry[] = [
    { name: "[Content_Types].xml", content: CONTENT_TYPES },
    { name: "_rels/.rels", content: ROOT_RELS },
    { name: "xl/workbook.xml", content: WORKBOOK },
    { name: "xl/_rels/workbook.xml.rels", content: WORKBOOK_RELS },
    { name: "xl/worksheets/sheet1.xml", content: sheet },
  ];
  entries.push({
    name: "xl/sharedStrings.xml",
    content: function* () {
      yield Buffer.from('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">');
      if (shared) yield* shared();
      yield Buffer.from("</sst>");
    },
  });
  return deflatedZip(entries);
}
