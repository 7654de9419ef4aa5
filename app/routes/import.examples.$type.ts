import type { LoaderFunctionArgs } from "@remix-run/node";
import fs from "node:fs";
import path from "node:path";
import { notFound, requireUser } from "~/auth/guard.server";
import { isImportType } from "~/import/registry";

/**
 * The example file of each import type, served from tests/fixtures/import so the files
 * the tests import are the ones users download: /import/examples/awards.csv, /import/examples/spending.xlsx.
 */
const EXAMPLES = /^([a-z_]+)(?:\.(csv|xlsx))?$/;

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request, { can: "read" });
  const m = EXAMPLES.exec(params.type ?? "");
  if (!m || !isImportType(m[1])) throw notFound("No such example file");
  const ext = m[2] ?? "csv";
  const file = path.resolve("tests/fixtures/import", `${m[1]}.${ext}`);
  if (!fs.existsSync(file)) throw notFound("No such example file");
  return new Response(fs.readFileSync(file), {
    headers: {
      "Content-Type": ext === "csv" ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "Content-Disposition": `attachment; filename="example-${m[1]}.${ext}"`,
      "Cache-Control": "private, max-age=3600",
    },
  });
}
