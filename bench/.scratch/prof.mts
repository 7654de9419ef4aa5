process.env.SESSION_SECRET = "bench-secret";
import { openCapturing, signInInProcess, choosePages, loaderFloor } from "../lib/pages";
const file = process.argv[2];
const only = process.argv[3];
const conn = openCapturing(file);
const cookie = await signInInProcess("bench-admin", "bench-password-not-secret");
for (const page of choosePages(file)) {
  if (page.key !== only) continue;
  await loaderFloor(page, cookie, conn.queries, Number(process.argv[4] ?? 10));
}
await conn.close();
