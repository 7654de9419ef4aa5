import { open } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
const { db, sqlite } = open(process.argv[2]);
const t = performance.now();
console.log(await migrateToLatest(db), performance.now() - t);
sqlite.pragma("wal_checkpoint(TRUNCATE)");
await db.destroy();
