/**
 * Child process of bench/run.ts: prepares one scale's data (bench/lib/data.ts) so the scales and
 * the server build can be made side by side; prints the result as JSON on its last line.
 */
import type { Scale } from "../db/demo";
import { prepareScale } from "./lib/data";

const [scale, dir] = process.argv.slice(2);
const data = await prepareScale(scale as Scale, dir, (s) => console.error(s));
console.log(JSON.stringify(data));
