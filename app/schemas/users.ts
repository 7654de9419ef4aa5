import { z } from "zod";

/** Forms of the admin user pages (app/routes/admin.users*.tsx), shared by the form and the action. */
export const ROLES = ["admin", "director", "auditor", "state_official"] as const;

/** Same rule as `cli users add`. */
export const USERNAME_PATTERN = /^[a-z0-9._-]{3,40}$/i;
export const MIN_PASSWORD_LENGTH = 12;
/** The sign-in form's field limits (app/auth/sign-in.server.ts); generous beyond the rules above. */
export const MAX_USERNAME_LENGTH = 100;
export const MAX_PASSWORD_LENGTH = 1024;

const password = z
  .string({ error: "Enter a password." })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(200, "Use at most 200 characters.");

/** "va, md VA" → ["VA", "MD"]. */
export function parseStates(input: string | undefined): string[] {
  return [...new Set((input ?? "").split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean))];
}

export const newUserSchema = z
  .object({
    username: z.string({ error: "Enter a username." }).trim().regex(USERNAME_PATTERN, "Use 3–40 letters, digits, dots, dashes or underscores."),
    displayName: z.string().trim().max(100, "Use at most 100 characters.").optional(),
    role: z.enum(ROLES, { error: "Choose a role." }),
    center: z.string().trim().optional(),
    states: z.string().optional(),
    password,
  })
  .superRefine((v, ctx) => {
    if (v.role === "director" && !v.center) ctx.addIssue({ code: "custom", path: ["center"], message: "A director needs a center." });
    if (v.role === "state_official") {
      const states = parseStates(v.states);
      if (states.length === 0) ctx.addIssue({ code: "custom", path: ["states"], message: "A state official needs at least one state, e.g. VA, MD." });
      const bad = states.filter((s) => !/^[A-Z]{2}$/.test(s));
      if (bad.length > 0) ctx.addIssue({ code: "custom", path: ["states"], message: `Not a two-letter state code: ${bad.join(", ")}.` });
    }
  });

export const resetPasswordSchema = z.object({
  intent: z.literal("reset-password"),
  password,
});

export const setActiveSchema = z.object({
  intent: z.enum(["deactivate", "reactivate"]),
});

export const userChangeSchema = z.discriminatedUnion("intent", [resetPasswordSchema, setActiveSchema]);
