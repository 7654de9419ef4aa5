import { Readable, Writable } from "node:stream";
import { main } from "../../cli/index";

/** Runs the command line in-process with `stdinText` as a pipe; what it wrote and its exit code. */
export async function runCli(argv: string[], stdinText = ""): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  // A Readable has no isTTY: a command reads it as it would a pipe.
  const io = { out: sink((s) => (out += s)), err: sink((s) => (err += s)), stdin: Readable.from([stdinText]) } as unknown as Parameters<typeof main>[1];
  return { code: await main(argv, io), out, err };
}
