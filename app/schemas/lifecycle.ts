/**
 * Form schemas of the grant lifecycle pages: report submissions, amendments, match
 * contributions, closed periods. Shared by the forms (Conform) and the actions (parseWithZod).
 * Dates and money go through the one parser each (app/domain/dates.ts parseGrantDate, the importer's rule too; app/domain/money.ts).
 */
import { z } from "zod";
import { parseGrantDate, todayIso } from "../domain/dates";
import { parseMoney } from "../domain/money";

const dateField = (what: string) =>
  z.string({ error: `Enter ${what}` }).transform((value, ctx) => {
    const d = parseGrantDate(value);
    if (!d.ok) {
      ctx.addIssue({ code: "custom", message: d.error });
      return z.NEVER;
    }
    return d.date;
  });

const moneyField = (what: string) =>
  z.string({ error: `Enter ${what}` }).transform((value, ctx) => {
    const m = parseMoney(value);
    if (!m.ok) {
      ctx.addIssue({ code: "custom", message: m.error });
      return z.NEVER;
    }
    return m.cents;
  });

const text = (what: string, max: number) =>
  z.string({ error: `Enter ${what}` }).trim().min(1, `Enter ${what}`).max(max, `Keep ${what} under ${max} characters`);

const id = z.number({ error: "Missing record id" }).int().positive();
const version = z.number({ error: "Missing version" }).int().positive();

export const SubmissionSchema = z.object({
  obligationId: id,
  version,
  submittedOn: dateField("the date the report was submitted").refine((d) => d <= todayIso(), "The submission date cannot be in the future"),
  reference: text("the submission reference (confirmation number)", 100),
});

export const AmendmentSchema = z
  .object({
    version,
    date: dateField("the amendment date"),
    reason: text("the reason for the amendment", 500),
    amount: moneyField("the new award amount").optional(),
    popStart: dateField("the new start date").optional(),
    popEnd: dateField("the new end date").optional(),
  })
  .refine((a) => a.amount !== undefined || a.popStart !== undefined || a.popEnd !== undefined, {
    message: "Enter a new amount, a new period, or both",
    path: ["amount"],
  });

export const MatchAddSchema = z.object({
  intent: z.literal("add"),
  date: dateField("the date of the contribution"),
  kind: z.enum(["cash", "in_kind"], { error: "Choose cash or in-kind" }),
  amount: moneyField("the amount").refine((c) => c > 0, "The amount must be more than $0.00"),
  description: z.string().trim().max(200, "Keep the description under 200 characters").optional().default(""),
});

export const MatchVoidSchema = z.object({
  intent: z.literal("void"),
  id,
  version,
  reason: text("why the contribution is voided", 200),
});

export const MatchRequiredSchema = z.object({
  intent: z.literal("required"),
  version,
  required: moneyField("the required match"),
});

export const ClosePeriodSchema = z
  .object({
    intent: z.literal("close"),
    start: dateField("the first day of the period"),
    end: dateField("the last day of the period"),
  })
  .refine((p) => p.start <= p.end, { message: "The period ends before it starts", path: ["end"] });

export const ReopenPeriodSchema = z.object({
  intent: z.literal("reopen"),
  id,
});
