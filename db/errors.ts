/**
 * Database errors both engines raise, told apart by their codes (docs/decisions/025-postgresql-engine.md):
 * better-sqlite3 sets `code` to "SQLITE_…", pg sets it to the SQLSTATE.
 */
function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

/** A unique key refused the row (two writers creating the same thing at once). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}

/** A constraint or guard refused the write: CHECK, UNIQUE, FOREIGN KEY, NOT NULL, or a trigger's RAISE. */
export function isConstraintError(error: unknown): error is Error {
  const code = codeOf(error);
  if (!(error instanceof Error) || code === null) return false;
  return code.startsWith("SQLITE_CONSTRAINT") || /^23\d{3}$/.test(code) || code === "P0001";
}

/** The disk is full or the database read-only: nothing can be written. */
export function isStorageWriteError(error: unknown): boolean {
  const code = codeOf(error) ?? "";
  return /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN)/.test(code) || code === "53100" || code === "25006" || code === "53200";
}

/** The database is busy (locked, a serialization failure, a deadlock or a lost connection): try again. */
export function isBusyError(error: unknown): boolean {
  const code = codeOf(error) ?? "";
  return /^SQLITE_(BUSY|LOCKED)/.test(code) || ["40001", "40P01", "55P03", "57P01", "57P03"].includes(code) || code.startsWith("08");
}
