/**
 * Form schemas for awards, budget lines, spending, programs and plans, shared by each
 * form (Conform validates in the browser) and its action (the same schema on the server).
 * Money and dates go through the one parser each (domain/money.ts, domain/dates.ts) and their
 * messages are shown at the field.
 */
import { z } from "zod";
import type { CostCategory, Poete } from "../../db/schema";
import { parseGrantDate } from "../domain/dates";
import { COST_CATEGORIES, POETE_AREAS } from "../domain/grants";
import { parseMoney, type MoneyOptions } from "../domain/money";

const MONEY_REQUIRED = "Enter an amount in dollars, like 1234.56";

function moneyField(options: MoneyOptions = {}) {
  return z.string({ error: MONEY_REQUIRED }).transform((text, ctx) => {
    const parsed = parseMoney(text, options);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed.cents;
  });
}

/** Dollars as typed ("1234.56", "$1,234.56", "1234") → integer cents, or the parser's message. */
export const money = moneyField();

/** As `money`, but a refund or credit may be negative ("-2,500.00" or "(2,500.00)"); for payments only. */
export const signedMoney = moneyField({ allowNegative: true });

/** As `money`, but an empty field means "no amount" (null). */
export const optionalMoney = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === "") return null;
    const parsed = parseMoney(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed.cents;
  });

/** A real calendar date (YYYY-MM-DD or MM/DD/YYYY) in fiscal years 2000..2100 → ISO text; the importer's rule too. */
export const isoDate = z.string({ error: "Enter a date as YYYY-MM-DD" }).transform((text, ctx) => {
  const parsed = parseGrantDate(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed.date;
});

const optionalDate = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === "") return null;
    const parsed = parseGrantDate(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed.date;
  });

const version = z.number({ error: "The form is missing the record's version; reload the page" }).int().min(1);
const description = z.string().max(500, "Keep the description under 500 characters").optional().transform((s) => s?.trim() ?? "");
const reason = z
  .string({ error: "Give a reason for voiding" })
  .trim()
  .min(3, "Give a reason for voiding (at least 3 characters)")
  .max(500, "Keep the reason under 500 characters");

export const poete = z.enum(POETE_AREAS as [Poete, ...Poete[]], { error: "Choose a POETE solution area" });
export const costCategory = z.enum(COST_CATEGORIES as [CostCategory, ...CostCategory[]], { error: "Choose a cost category" });
/** Empty = the line serves no baseline capability. */
const capability = z
  .string()
  .max(40)
  .optional()
  .transform((s) => (s && s.trim() !== "" ? s.trim() : null));

// ---------------------------------------------------------------------------------------------
// Award page forms (a hidden `intent` picks the schema)
// ---------------------------------------------------------------------------------------------

export const budgetLineFields = z.object({
  capability,
  poete,
  category: costCategory,
  amount: money,
  description,
});

export const addLineSchema = budgetLineFields.extend({ intent: z.literal("add-line") });
export const editLineSchema = budgetLineFields.extend({ intent: z.literal("edit-line"), line: z.string(), version });
export const voidLineSchema = z.object({ intent: z.literal("void-line"), line: z.string(), version, reason });

export const spendingFields = z.object({
  date: isoDate,
  /** A refund or credit is a negative payment; the line's spent stays at zero or above (checked by the model). */
  amount: signedMoney,
  description,
});

export const addSpendingSchema = spendingFields.extend({ intent: z.literal("add-spending"), line: z.string() });
export const editSpendingSchema = spendingFields.extend({ intent: z.literal("edit-spending"), spend: z.string(), version });
export const voidSpendingSchema = z.object({ intent: z.literal("void-spending"), spend: z.string(), version, reason });
export const voidAwardSchema = z.object({ intent: z.literal("void-award"), version, reason });

/** A prime award's number (FAIN) as typed; empty = a direct award (docs/decisions/018). */
const primeAward = z
  .string()
  .trim()
  .max(60, "Prime award numbers are at most 60 characters")
  .optional()
  .transform((s) => (s ? s.toUpperCase() : null));
/** The pass-through entity (usually the State Administrative Agency); empty = the prime's recipient. */
const passThrough = z
  .string()
  .trim()
  .max(200, "Keep the pass-through entity under 200 characters")
  .optional()
  .transform((s) => s || null);

/** A pass-through entity without a prime award is refused at the prime field. */
function passThroughNeedsPrime(v: { primeAward: string | null; passThrough: string | null }, ctx: z.RefinementCtx): void {
  if (v.primeAward === null && v.passThrough !== null) {
    ctx.addIssue({ code: "custom", path: ["primeAward"], message: "Enter the prime award the pass-through entity made this sub-award under" });
  }
}

export const setPrimeSchema = z.object({ intent: z.literal("set-prime"), version, primeAward, passThrough }).superRefine(passThroughNeedsPrime);

export const AWARD_INTENTS = ["add-line", "edit-line", "void-line", "add-spending", "edit-spending", "void-spending", "void-award", "set-prime"] as const;
export type AwardIntent = (typeof AWARD_INTENTS)[number];

export const AWARD_SCHEMAS = {
  "add-line": addLineSchema,
  "edit-line": editLineSchema,
  "void-line": voidLineSchema,
  "add-spending": addSpendingSchema,
  "edit-spending": editSpendingSchema,
  "void-spending": voidSpendingSchema,
  "void-award": voidAwardSchema,
  "set-prime": setPrimeSchema,
} as const;

// ---------------------------------------------------------------------------------------------
// New award
// ---------------------------------------------------------------------------------------------

// Award numbers appear in URLs (/awards/<number>); a slash would split the path, so it is refused.
const AWARD_NUMBER_RE = /^[A-Za-z0-9][A-Za-z0-9._\- ]*$/;

export const newAwardSchema = z
  .object({
    awardNumber: z
      .string({ error: "Enter the award number" })
      .trim()
      .max(60, "Award numbers are at most 60 characters")
      .regex(AWARD_NUMBER_RE, "Use letters, digits, dots, dashes, underscores and spaces only"),
    center: z.string({ error: "Choose a center" }),
    program: z.string({ error: "Choose a program" }),
    fiscalYear: z
      .number({ error: "Enter a federal fiscal year, like 2025" })
      .int("Enter a federal fiscal year, like 2025")
      .min(2000, "Fiscal year must be 2000 or later")
      .max(2100, "Fiscal year must be 2100 or earlier"),
    amount: money,
    popStart: isoDate,
    /** Empty = start + the program's default period (programs.pop_months). */
    popEnd: optionalDate,
    primeAward,
    passThrough,
  })
  .superRefine((v, ctx) => {
    if (v.popEnd !== null && v.popEnd < v.popStart) {
      ctx.addIssue({ code: "custom", path: ["popEnd"], message: `The period cannot end (${v.popEnd}) before it starts (${v.popStart})` });
    }
    passThroughNeedsPrime(v, ctx);
  });

// ---------------------------------------------------------------------------------------------
// Program parameters (admin)
// ---------------------------------------------------------------------------------------------

export const REPORT_KINDS = ["BSIR", "SF-425", "PMT", "FINAL"] as const;

const percent = (label: string) =>
  z
    .number({ error: `${label}: enter a whole percent from 0 to 100, or leave it empty` })
    .int(`${label}: enter a whole percent`)
    .min(0, `${label} cannot be negative`)
    .max(100, `${label} cannot be over 100%`)
    .optional()
    .transform((n) => n ?? null);

export const programSchema = z.object({
  code: z.string(),
  version,
  name: z.string({ error: "Enter the program's name" }).trim().min(1, "Enter the program's name").max(120),
  popMonths: z
    .number({ error: "Period of performance: enter whole months, or leave it empty" })
    .int("Period of performance: enter whole months")
    .min(1, "Period of performance must be at least 1 month")
    .max(240, "Period of performance must be at most 240 months")
    .optional()
    .transform((n) => n ?? null),
  maCapPct: percent("M&A cap"),
  personnelCapPct: percent("Personnel cap"),
  matchPct: percent("Match"),
  reports: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const list = (s ?? "")
        .split(",")
        .map((r) => r.trim().toUpperCase())
        .filter(Boolean);
      const bad = list.filter((r) => !(REPORT_KINDS as readonly string[]).includes(r));
      if (bad.length) {
        ctx.addIssue({ code: "custom", message: `Unknown report(s): ${bad.join(", ")} (use ${REPORT_KINDS.join(", ")})` });
        return z.NEVER;
      }
      return [...new Set(list)].join(",");
    }),
});

// ---------------------------------------------------------------------------------------------
// Next-year plan
// ---------------------------------------------------------------------------------------------

export const planFundingRow = z.object({ program: z.string(), amount: optionalMoney });

/** A plan line; a row left without an amount is dropped on save (the form always offers a few blank rows). */
export const planLineRow = z
  .object({
    program: z.string().optional(),
    capability,
    poete,
    category: costCategory,
    amount: optionalMoney,
    description,
  })
  .superRefine((row, ctx) => {
    if (row.amount === null && row.description !== "") {
      ctx.addIssue({ code: "custom", path: ["amount"], message: "Enter an amount, or clear the description to drop this line" });
    }
    if (row.amount !== null && !row.program) {
      ctx.addIssue({ code: "custom", path: ["program"], message: "Choose the program that pays for this line" });
    }
  });

export const savePlanSchema = z.object({
  intent: z.literal("save"),
  /** Absent for a plan not saved yet. */
  version: z.number().int().min(1).optional(),
  notes: z.string().max(4000, "Keep the notes under 4,000 characters").optional().transform((s) => s?.trim() ?? ""),
  funding: z.array(planFundingRow).optional().transform((rows) => rows ?? []),
  lines: z.array(planLineRow).optional().transform((rows) => rows ?? []),
});

export const applyPlanSchema = z.object({
  intent: z.literal("apply"),
  version,
  /** program code → award number chosen for the program's plan lines. */
  award: z.record(z.string(), z.string().optional()).optional().transform((r) => r ?? {}),
});

export type SavePlanInput = z.output<typeof savePlanSchema>;
