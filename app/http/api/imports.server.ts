/**
 * Request bodies of API writes, and `POST /api/v1/imports`: the page's and the command line's
 * import runner (app/import/runner.server.ts) with the body as its file, so the checks, the
 * all-or-nothing transaction and the audit batch are the same ones (docs/decisions/024-api-shape.md).
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import type { DB } from "../../../db/client";
import type { Principal } from "../../domain/permissions";
import { jsonRowsToCsv } from "../../import/json";
import { runImport, type ImportInput } from "../../import/runner.server";
import { ImportJsonBody, type ImportResult, type QUERIES } from "../../schemas/api";
import { UPLOAD_BODY_LIMIT, FORM_BODY_LIMIT } from "../security.server";
import { ApiError, badRequest, importProblem, tooLarge, zodProblem } from "./core.server";

/** JSON rows are parsed whole, so they get a smaller limit than a file, which is streamed. */
export const JSON_IMPORT_LIMIT = 10 * 1024 * 1024;
export const JSON_BODY_LIMIT = FORM_BODY_LIMIT;

const FILE_TYPES: Record<string, "csv" | "xlsx" | "json"> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "text/plain": "csv",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/json": "json",
};

export interface ReceivedBody {
  mediaType: string;
  sha256: string;
  bytes: number;
  /** In memory (small JSON bodies) … */
  buffer?: Buffer;
  /** … or in a temp file (imports), removed by `dispose`. */
  file?: string;
  /** The JSON body checked against a schema: 415 when it is not JSON, 400 when unparseable, 422 when invalid. */
  parse<S extends z.ZodType>(schema: S): z.output<S>;
  dispose(): void;
}

function mediaTypeOf(request: Request): string {
  return (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * Receives a write's body under its limit (413 past it), hashing it as it comes. Imports go to a
 * temp file (up to the upload page's 50 MB); other writes are small JSON held in memory.
 */
export async function receiveBody(request: Request, kind: "import" | "json"): Promise<ReceivedBody> {
  const mediaType = mediaTypeOf(request);
  if (kind === "import" && !FILE_TYPES[mediaType]) {
    throw new ApiError(415, "Unsupported media type", "Send the file as text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, or rows as application/json.");
  }
  if (kind === "json" && mediaType !== "application/json") throw new ApiError(415, "Unsupported media type", "Send the body as application/json.");
  const limit = kind === "json" ? JSON_BODY_LIMIT : mediaType === "application/json" ? JSON_IMPORT_LIMIT : UPLOAD_BODY_LIMIT;
  if (Number(request.headers.get("Content-Length") ?? 0) > limit) throw tooLarge(limit);

  const hash = createHash("sha256");
  let bytes = 0;
  let file: string | undefined;
  let out: fs.WriteStream | undefined;
  const chunks: Buffer[] = [];
  const toFile = kind === "import";
  if (toFile) {
    const dir = path.join(os.tmpdir(), "baseline-api");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = path.join(dir, `${randomUUID()}.upload`);
    out = fs.createWriteStream(file, { mode: 0o600 });
  }
  const dispose = () => {
    if (file) fs.rmSync(file, { force: true });
  };
  try {
    if (request.body) {
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        if (bytes > limit) throw tooLarge(limit);
        hash.update(chunk);
        if (out) {
          if (!out.write(chunk)) await new Promise<void>((resolve) => out!.once("drain", () => resolve()));
        } else chunks.push(Buffer.from(chunk));
      }
    }
    if (out) await new Promise<void>((resolve, reject) => out!.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    out?.destroy();
    dispose();
    throw error;
  }
  const buffer = toFile ? undefined : Buffer.concat(chunks);
  return {
    mediaType,
    sha256: hash.digest("hex"),
    bytes,
    buffer,
    file,
    parse(schema) {
      if (mediaType !== "application/json") throw new ApiError(415, "Unsupported media type", "Send the body as application/json.");
      let value: unknown;
      try {
        value = JSON.parse((buffer ?? fs.readFileSync(file!)).toString("utf8"));
      } catch {
        throw badRequest("The body is not valid JSON.");
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw zodProblem(parsed.error, "body");
      return parsed.data;
    },
    dispose,
  };
}

export async function runApiImport(db: DB, user: Principal, body: ReceivedBody, query: z.output<typeof QUERIES.imports>): Promise<z.output<typeof ImportResult>> {
  const format = FILE_TYPES[body.mediaType];
  if (body.bytes === 0) throw new ApiError(422, "The file has errors; nothing was imported", "The body is empty: send the file, or JSON rows.");
  let source: ImportInput;
  let rowOfLine = (line: number) => line;
  if (format === "json") {
    const { rows } = body.parse(ImportJsonBody);
    const converted = jsonRowsToCsv(rows);
    rowOfLine = converted.rowOfLine;
    source = { fileName: "api-rows.json", buffer: converted.csv };
  } else source = { fileName: format === "xlsx" ? "api-upload.xlsx" : "api-upload.csv", path: body.file! };

  const result = await runImport(db, source, {
    type: query.type,
    dryRun: query.dry_run,
    allowMove: query.allow_move,
    user,
    via: "api",
    sha256: body.sha256,
  });
  if (result.fileError) throw new ApiError(422, "The file cannot be imported; nothing was imported", result.fileError);
  if (result.errorCount > 0) {
    const errors = result.errors.map((e) => ({ ...e, row: rowOfLine(e.row) }));
    throw importProblem(`${result.errorCount} error${result.errorCount === 1 ? "" : "s"} in ${result.rowsRead} rows; fix them and send the whole file again.`, errors, result.errorCount);
  }
  return {
    type: result.type!,
    dry_run: result.dryRun,
    committed: result.committed,
    rows_read: result.rowsRead,
    added: result.added,
    changed: result.changed,
    unchanged: result.unchanged,
    moves: result.moves,
    batch_id: result.batchId,
    sha256: result.sha256,
  };
}
