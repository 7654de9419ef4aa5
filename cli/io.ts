import readline from "node:readline";

/** Reads a password: a hidden prompt on a terminal, else the first line of standard input. */
export async function readSecret(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, prompt: string): Promise<string> {
  if (!stdin.isTTY) {
    let data = "";
    for await (const chunk of stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? "";
  }
  const rl = readline.createInterface({ input: stdin, output: process.stderr, terminal: true });
  const rlAny = rl as any;
  const write = rlAny._writeToOutput?.bind(rl);
  rlAny._writeToOutput = (s: string) => (s.includes(prompt) ? write?.(s) : write?.(""));
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}
