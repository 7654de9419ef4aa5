/**
 * Spreadsheet import and export, the parts without a database (docs/decisions/013-import-layout.md):
 * the types' columns, the cell rules, reading CSV/XLSX, row validation, formula escaping, CSV
 * writing and progress text. The database half is in the *.server.ts files beside this one.
 */
export * from "./formats";
export * from "./fields";
export * from "./escape";
export * from "./rows";
export * from "./read";
export * from "./csv";
export * from "./progress";
export { sizeText } from "./xlsx";
