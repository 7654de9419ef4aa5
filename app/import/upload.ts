/**
 * Fields of the import page other than the file itself, which the upload handler streams to a
 * temp file (jobs.server.ts). Shared by the page and its action.
 */
import { z } from "zod";
import { IMPORT_TYPES } from "./registry";

/** The upload form: the type of data ("" = work it out from the header row) and whether the page runs JavaScript. */
export const uploadSchema = z.object({
  type: z
    .union([z.literal(""), z.enum(IMPORT_TYPES)], { error: `Choose one of ${IMPORT_TYPES.join(", ")}, or leave it to the header row` })
    .optional()
    .transform((t) => (t ? t : undefined)),
  js: z.string().optional(),
});

/** Confirming (or discarding) a checked upload. */
export const confirmSchema = z.object({
  intent: z.enum(["confirm", "discard"], { error: "Unknown action" }),
  token: z.string({ error: "This upload is missing; upload the file again" }).min(10, "This upload is missing; upload the file again"),
  js: z.string().optional(),
  /** The confirmation that awards the dry run listed as moves may move to another center. */
  allowMove: z.string().optional(),
});
