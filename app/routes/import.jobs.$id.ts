import { json, type LoaderFunctionArgs } from "@remix-run/node";
import fs from "node:fs";
import { Readable } from "node:stream";
import { notFound, requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { errorsFile, getJob, jobView } from "~/import/jobs.server";

/**
 * Progress of an import job, polled every second by the import page (JSON) from whichever server process answers, and
 * `?download=errors`: every row error of the job as a CSV. Jobs are private to the user who
 * started them; an unknown or expired job answers status "missing" so the page can say so.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "import" });
  const id = params.id ?? "";
  const job = await getJob(getDb(), user.id, id);
  if (new URL(request.url).searchParams.get("download") === "errors") {
    const file = job ? errorsFile(job) : null;
    if (!job || !file) throw notFound("There are no errors to download for this import (or it has expired).");
    return new Response(Readable.toWeb(fs.createReadStream(file)) as ReadableStream, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="import-errors.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  }
  return json(jobView(job, id), { headers: { "Cache-Control": "private, no-store" } });
}
