/**
 * Every import type, by the name files and URLs use (docs/decisions/013-import-layout.md). To add a
 * type: write app/import/types/<name>.ts exporting an ImportTypeDef, and add one line here. The
 * reader, the upload page, the command line, exports and the example-file route all follow.
 * The order is the order of the page's type picker and of header detection's tie-break.
 */
import type { RowOfDef } from "./handler";
import { assessments } from "./types/assessments";
import { awards } from "./types/awards";
import { budgetLines } from "./types/budget-lines";
import { centers } from "./types/centers";
import { spending } from "./types/spending";

export const REGISTRY = {
  centers,
  awards,
  budget_lines: budgetLines,
  spending,
  assessments,
} as const;

export type ImportType = keyof typeof REGISTRY;
export type RowTypes = { [T in ImportType]: RowOfDef<(typeof REGISTRY)[T]> };
export type RowOf<T extends ImportType> = RowTypes[T];
export type TypedRow = RowTypes[ImportType];

export const IMPORT_TYPES = Object.keys(REGISTRY) as unknown as readonly [ImportType, ...ImportType[]];

export function isImportType(value: unknown): value is ImportType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(REGISTRY, value);
}
