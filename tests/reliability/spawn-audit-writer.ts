import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "./harness";

/** Starts tests/reliability/audit-writer.ts appending `count` audit rows to `ref` (a SQLite file or a PostgreSQL URL). */
export function spawnAuditWriter(ref: string, count: number): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tests/reliability/audit-writer.ts"), ref, String(count)], {
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, err })));
}
