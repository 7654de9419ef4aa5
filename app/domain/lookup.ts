/**
 * A table's own entry for a key that came from the client (a query parameter, say), or undefined:
 * `TABLE[key]` would also find Object.prototype's members, so `?done=__proto__` rendered an object.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string | null | undefined): T | undefined {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}
