/** Spreadsheet import/export (issue #8), file-parsing half: formats, reading, row validation, escaping, export. */
export * from "./formats";
export * from "./escape";
export * from "./rows";
export * from "./read";
export * from "./export";
export * from "./progress";
