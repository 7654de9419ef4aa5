/**
 * Upload file names are data, never syntax. Remix's multipart parser splits a part's
 * Content-Disposition on every `;` and `=` (even inside quotes), so a file named `FY=2025.csv` or
 * `budget;2025.csv` could not be uploaded. This passes the request body through unchanged except
 * for the `filename="…"` of each part header, whose `%`, `;`, `=` and `\` are percent-encoded on
 * the way in; `originalFileName` undoes that (and the %22, %0D, %0A browsers write for `"`, CR, LF).
 */

const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n");

/** The boundary of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/** The header block of one part with its filename made safe for the parser. */
function quoteHeader(block: string): string {
  return block.replace(/^(content-disposition:[^\r\n]*?;\s*filename=")([^\r\n]*)"([ \t]*)$/gim, (_all, head: string, name: string, tail: string) => {
    return `${head}${name.replace(/[%;=\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)}"${tail}`;
  });
}

/** The file name the user chose, from what the parser hands over: this module's escapes, then the browser's. */
export function originalFileName(parsed: string): string {
  const ours = parsed.replace(/%(25|3B|3D|5C)/gi, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return ours.replace(/%(22|0D|0A)/gi, (_all, hex: string) => (hex === "22" ? '"' : " "));
}

/**
 * The body with every part header's filename quoted. Part headers are found after each
 * `--boundary` line; everything else passes through as it came, a chunk at a time.
 */
export function quoteFileNames(body: ReadableStream<Uint8Array>, boundary: string): ReadableStream<Uint8Array> {
  const delimiter = Buffer.from(`--${boundary}\r\n`);
  let carry: Buffer = Buffer.alloc(0);
  /** Inside a header block (after a delimiter, before its blank line). */
  let inHeader = false;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        let buf = carry.length ? Buffer.concat([carry, Buffer.from(chunk)]) : Buffer.from(chunk);
        carry = Buffer.alloc(0);
        for (;;) {
          if (inHeader) {
            const end = buf.indexOf(HEADER_END);
            if (end === -1) {
              // A header longer than any browser writes is passed on as it is; the parser judges it.
              if (buf.length > MAX_HEADER_BYTES) {
                inHeader = false;
                continue;
              }
              carry = buf;
              return;
            }
            controller.enqueue(Buffer.from(quoteHeader(buf.subarray(0, end).toString("utf8")), "utf8"));
            buf = buf.subarray(end);
            inHeader = false;
          }
          const at = buf.indexOf(delimiter);
          if (at === -1) {
            // Keep the tail that could be the start of a delimiter cut by the chunk boundary.
            const keep = Math.min(buf.length, delimiter.length - 1);
            if (buf.length > keep) controller.enqueue(buf.subarray(0, buf.length - keep));
            carry = Buffer.from(buf.subarray(buf.length - keep));
            return;
          }
          controller.enqueue(buf.subarray(0, at + delimiter.length));
          buf = buf.subarray(at + delimiter.length);
          inHeader = true;
        }
      },
      flush(controller) {
        if (carry.length) controller.enqueue(carry);
      },
    }),
  );
}
