import { z } from "zod";
import { RULES } from "../domain/compliance";
import { parseDate } from "../domain/dates";
import { FISCAL_YEAR_MESSAGE, parseFiscalYear } from "../domain/fiscal-year";

/** Findings report filters (URL) and the response/disposition forms. */

export const DISPOSITIONS = ["open", "accepted", "resolved"] as const;
export const DISPOSITION_LABELS: Record<(typeof DISPOSITIONS)[number], string> = {
  open: "Open",
  accepted: "Accepted",
  resolved: "Resolved",
};
export const MAX_RESPONSE_LENGTH = 4000;

const RULE_IDS = RULES.map((r) => r.id) as [string, ...string[]];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date as YYYY-MM-DD")
  .refine((s) => parseDate(s).ok, "Not a real calendar date");

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const findingsFilterSchema = z.object({
  /** A fiscal year, "all", or absent (= the default year, app/models/years.server.ts). */
  fy: z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((v, ctx): number | "all" | undefined => {
        if (v === undefined) return undefined;
        if (v.trim().toLowerCase() === "all") return "all";
        const fy = parseFiscalYear(v);
        if (fy === null) {
          ctx.addIssue({ code: "custom", message: `${FISCAL_YEAR_MESSAGE}, or all` });
          return z.NEVER;
        }
        return fy;
      }),
  ),
  asOf: z.preprocess(blankToUndefined, isoDate.optional()),
  state: z.preprocess(blankToUndefined, z.string().regex(/^[A-Z]{2}$/, "Use a two-letter state code").optional()),
  center: z.preprocess(blankToUndefined, z.string().max(40).optional()),
  rule: z.preprocess(blankToUndefined, z.enum(RULE_IDS).optional()),
  severity: z.preprocess(blankToUndefined, z.enum(["violation", "warning"]).optional()),
});

export type FindingsFilter = z.infer<typeof findingsFilterSchema>;

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `Filter "${String(issue.path[0] ?? "")}": ${issue.message}`;
}

export function parseFindingsFilter(params: URLSearchParams): { ok: true; filter: FindingsFilter } | { ok: false; error: string } {
  const result = findingsFilterSchema.safeParse(Object.fromEntries(params));
  if (result.success) return { ok: true, filter: result.data };
  return { ok: false, error: firstIssue(result.error) };
}

/** The same filter as URL search text (empty values left out), for links and the CSV export. */
export function filterToSearch(filter: FindingsFilter): string {
  const p = new URLSearchParams();
  // In the schema's order, so the same filter always gives the same link.
  for (const k of Object.keys(findingsFilterSchema.shape) as (keyof FindingsFilter)[]) {
    const v = filter[k];
    if (v !== undefined && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/*
 * Where in the report's lists to look. Kept apart from FindingsFilter, which selects the
 * rows: the CSV export and `cli findings` take the filter only, so they always list every row.
 */

// A malformed page (0, "abc", 2.5) is a broken link and is refused like a bad filter; one past the
// end is usually an old link to a list that has shrunk, so the route shows the last page instead.
const pageNumber = z.preprocess(
  blankToUndefined,
  z.coerce
    .number({ error: "Use a page number: 1, 2, 3 …" })
    .int("Use a whole page number")
    .min(1, "Pages start at 1")
    .optional(),
);

export const findingsPositionSchema = z.object({
  /** Page of the findings list, 1-based. */
  page: pageNumber,
  /** Page of the "no longer applies" list, 1-based. */
  stalePage: pageNumber,
  /** A finding key: show the pages that hold it (takes precedence over page/stalePage). */
  finding: z.preprocess(blankToUndefined, z.string().max(400, "Not a finding key").optional()),
});

export type FindingsPosition = z.infer<typeof findingsPositionSchema>;

export function parseFindingsPosition(params: URLSearchParams): { ok: true; position: FindingsPosition } | { ok: false; error: string } {
  const result = findingsPositionSchema.safeParse(Object.fromEntries(params));
  if (result.success) return { ok: true, position: result.data };
  return { ok: false, error: firstIssue(result.error) };
}

/** URL search text for a page of the report: the filter, then the pages (page 1 left out). */
export function pageToSearch(filter: FindingsFilter, pages: { page: number; stalePage: number }): string {
  const p = new URLSearchParams(filterToSearch(filter));
  if (pages.page > 1) p.set("page", String(pages.page));
  if (pages.stalePage > 1) p.set("stalePage", String(pages.stalePage));
  const s = p.toString();
  return s ? `?${s}` : "";
}

const common = {
  key: z.string().min(1).max(400),
  version: z.coerce.number().int().min(0),
  /** The report date the finding was shown for: a new response must answer a finding that fires then. */
  asOf: isoDate,
};

export const respondSchema = z.object({
  intent: z.literal("respond"),
  ...common,
  response: z
    .string({ error: "Describe the corrective action" })
    .trim()
    .min(1, "Describe the corrective action")
    .max(MAX_RESPONSE_LENGTH, `At most ${MAX_RESPONSE_LENGTH} characters`),
});

export const dispositionSchema = z.object({
  intent: z.literal("disposition"),
  ...common,
  disposition: z.enum(DISPOSITIONS, { error: "Choose open, accepted or resolved" }),
  note: z.string().trim().max(MAX_RESPONSE_LENGTH, `At most ${MAX_RESPONSE_LENGTH} characters`).optional().default(""),
});

export const findingActionSchema = z.discriminatedUnion("intent", [respondSchema, dispositionSchema]);
export type FindingAction = z.infer<typeof findingActionSchema>;
