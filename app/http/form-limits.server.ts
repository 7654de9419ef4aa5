/**
 * Limits on what a client may post to a form action, checked while the body streams in and before
 * Conform or zod see it (docs/decisions/012-form-limits.md). Each limit answers with its own
 * sentence: 413 for "too much", 400 for "not a form Baseline sends". The README's "Limits" section
 * names them all.
 */
import { parse as parseConformSubmission } from "@conform-to/react";
import { MAX_ROWS } from "../schemas/assessment";
import { FORM_BODY_LIMIT, isUploadPath, UPLOAD_BODY_LIMIT } from "./security.server";

export const FORM_LIMITS = {
  /** Bytes of a form body (urlencoded or multipart); uploads to /import have their own limit. */
  bodyBytes: FORM_BODY_LIMIT,
  uploadBytes: UPLOAD_BODY_LIMIT,
  /** The largest list index of a field name (`rows[1999].status`): the bulk assessment form's row limit. */
  maxIndex: MAX_ROWS - 1,
  /** Fields of one form: the largest list form (MAX_ROWS rows of 5 fields) with room to spare. */
  fields: MAX_ROWS * 6,
  /** Characters of one field name; Baseline's longest is about 25. */
  nameLength: 100,
  /** Bytes of one multipart part's header lines with their line ends (Content-Disposition, Content-Type). */
  partHeaderBytes: 8 * 1024,
} as const;

export const LIMITS_SUFFIX = "Nothing was saved.";

/** A form that breaks a limit; `response()` is what the action answers (thrown, as Remix expects). */
export class FormLimitError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "FormLimitError";
  }

  response(): Response {
    return new Response(`${this.message} ${LIMITS_SUFFIX}`, { status: this.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");
const mb = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

/** How a field name reads in a message: short, and without control characters. */
function shown(name: string): string {
  const clean = name.replace(/[\x00-\x1F\x7F]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

export function isMultipart(contentType: string): boolean {
  return /^multipart\/form-data\s*(;|$)/i.test(contentType.trim());
}

/** The boundary parameter of a multipart Content-Type (RFC 2046: 1 to 70 characters), or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(;|$)/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/** The body limit of a request: the upload limit only for a multipart body to an upload path. */
export function formBodyLimit(pathname: string, contentType: string): number {
  return isUploadPath(pathname) && isMultipart(contentType) ? FORM_LIMITS.uploadBytes : FORM_LIMITS.bodyBytes;
}

/** Refuses a request whose body cannot be a form before any of it is read (null when it may be). */
export function checkFormEnvelope(contentType: string): FormLimitError | null {
  if (isMultipart(contentType) && multipartBoundary(contentType) === null) {
    return new FormLimitError(400, "The form was sent as multipart/form-data without a boundary, so it cannot be read.");
  }
  return null;
}

const AMP = 0x26;
const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * Counts a form body as it streams: total bytes, fields (`&`-separated pairs, or multipart parts)
 * and each multipart part's header size. `feed` throws a FormLimitError at the first limit broken,
 * holding only a few bytes between chunks (a delimiter cut in two), never the body.
 */
export class FormBodyMeter {
  bytes = 0;
  fields = 1;
  private readonly delimiter: Buffer | null;
  private state: "body" | "delimiter" | "header" | "epilogue" = "body";
  private carry: Buffer = Buffer.alloc(0);
  private headerBytes = 0;

  constructor(
    private readonly limit: number,
    boundary: string | null,
  ) {
    this.delimiter = boundary === null ? null : Buffer.from(`--${boundary}`, "latin1");
    if (this.delimiter) this.fields = 0;
  }

  feed(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    if (this.bytes > this.limit) {
      throw new FormLimitError(413, `The form is larger than ${mb(this.limit)}.`);
    }
    if (!this.delimiter) {
      for (let i = chunk.indexOf(AMP); i >= 0; i = chunk.indexOf(AMP, i + 1)) this.addField();
      return;
    }
    const piece = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.scan(this.carry.length > 0 ? Buffer.concat([this.carry, piece]) : piece);
  }

  private addField(): void {
    if (++this.fields > FORM_LIMITS.fields) throw new FormLimitError(413, `The form has more than ${fmt(FORM_LIMITS.fields)} fields.`);
  }

  private scan(buf: Buffer): void {
    const delimiter = this.delimiter!;
    let pos = 0;
    this.carry = Buffer.alloc(0);
    for (;;) {
      if (this.state === "epilogue") return;
      if (this.state === "body") {
        const at = buf.indexOf(delimiter, pos);
        if (at < 0) {
          this.carry = Buffer.from(buf.subarray(Math.max(pos, buf.length - (delimiter.length - 1))));
          return;
        }
        pos = at + delimiter.length;
        this.state = "delimiter";
      }
      if (this.state === "delimiter") {
        // "--boundary--" closes the body; "--boundary" then CRLF opens a part.
        if (buf.length - pos < 2) {
          this.carry = Buffer.from(buf.subarray(pos));
          return;
        }
        if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) {
          this.state = "epilogue";
          return;
        }
        this.addField();
        this.headerBytes = 0;
        this.state = "header";
      }
      if (this.state === "header") {
        const end = buf.indexOf(CRLFCRLF, pos);
        const counted = end < 0 ? Math.max(0, buf.length - pos - (CRLFCRLF.length - 1)) : end - pos;
        this.headerBytes += counted;
        if (this.headerBytes > FORM_LIMITS.partHeaderBytes) {
          throw new FormLimitError(413, `A part of the form has a header over ${fmt(FORM_LIMITS.partHeaderBytes / 1024)} KB.`);
        }
        if (end < 0) {
          this.carry = Buffer.from(buf.subarray(pos + counted));
          return;
        }
        pos = end + CRLFCRLF.length;
        this.state = "body";
      }
    }
  }
}

/** Conform's own control fields (docs: conform.guide, "intent button"). */
const CONFORM_INTENT = "__intent__";
const CONFORM_STATE = "__state__";
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);
const NAME = /^[A-Za-z_][\w-]*(\[\d{1,9}\])*(\.[A-Za-z_][\w-]*(\[\d{1,9}\])*)*$/;

/** Why a field name is refused, or null: Baseline's names are identifiers with list indexes (`rows[3].status`). */
export function fieldNameProblem(name: string): FormLimitError | null {
  if (name.length > FORM_LIMITS.nameLength) {
    return new FormLimitError(400, `A form field name is longer than ${fmt(FORM_LIMITS.nameLength)} characters ("${shown(name)}").`);
  }
  if (!NAME.test(name) || name.split(/[.[]/).some((s) => FORBIDDEN_SEGMENTS.has(s))) {
    return new FormLimitError(400, `The form has a field Baseline's pages do not send ("${shown(name)}").`);
  }
  for (const m of name.matchAll(/\[(\d+)\]/g)) {
    if (Number(m[1]) > FORM_LIMITS.maxIndex) {
      return new FormLimitError(400, `The form field "${shown(name)}" has a list index over ${fmt(FORM_LIMITS.maxIndex)}; no form has that many rows.`);
    }
  }
  return null;
}

function isIndex(v: unknown): boolean {
  return v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= FORM_LIMITS.maxIndex);
}

function controlFieldProblem(form: FormData): FormLimitError | null {
  const bad = (which: string) => new FormLimitError(400, `The form's ${which} field is not one Baseline's pages send.`);
  for (const name of [CONFORM_INTENT, CONFORM_STATE]) {
    for (const value of form.getAll(name)) {
      if (typeof value !== "string") return bad(name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return bad(name);
      }
      if (name === CONFORM_STATE) continue;
      const intent = parsed as { type?: unknown; payload?: Record<string, unknown> } | null;
      const payload = intent?.payload;
      if (typeof intent?.type !== "string" || typeof payload !== "object" || payload === null) return bad(name);
      if (payload.name !== undefined && (typeof payload.name !== "string" || (payload.name !== "" && fieldNameProblem(payload.name)))) return bad(name);
      if (![payload.index, payload.from, payload.to].every(isIndex)) return bad(name);
    }
  }
  if (!form.has(CONFORM_INTENT) && !form.has(CONFORM_STATE)) return null;
  // What is left (an intent on a field that is not a list, say) makes Conform throw: find out now, not in the action.
  try {
    parseConformSubmission(form, { resolve: (payload) => ({ value: payload }) });
  } catch {
    return bad(CONFORM_INTENT);
  }
  return null;
}

/** The first problem of a parsed form (field count, names, indexes, NUL characters, Conform's control fields), or null. */
export function formFieldsProblem(form: FormData): FormLimitError | null {
  let count = 0;
  for (const [name, value] of form.entries()) {
    if (++count > FORM_LIMITS.fields) return new FormLimitError(413, `The form has more than ${fmt(FORM_LIMITS.fields)} fields.`);
    // No field takes one, PostgreSQL refuses one in any text it is sent, and no keyboard types one.
    if (typeof value === "string" && value.includes("\u0000")) return new FormLimitError(400, `The form field "${shown(name)}" holds a NUL character, which no field takes.`);
    if (name === CONFORM_INTENT || name === CONFORM_STATE) continue;
    const problem = fieldNameProblem(name);
    if (problem) return problem;
  }
  return controlFieldProblem(form);
}
