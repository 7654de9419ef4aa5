import { renderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { htmlBodyStream } from "../../app/http/html-stream.server";

/**
 * Pages stream through htmlBodyStream (app/entry.server.tsx). React copies text into 2,048-byte
 * views; a multi-byte character landing on a view's end used to leave NUL bytes in the page.
 * Here: text with 2-, 3- and 4-byte characters placed at every offset around the first two view
 * boundaries must arrive as exactly the rendered text, valid UTF-8, without a NUL byte.
 */
const VIEW = 2048;

function render(text: string, lead = ""): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const body = htmlBodyStream();
    body.on("data", (c: Buffer) => chunks.push(c));
    body.on("end", () => resolve(Buffer.concat(chunks)));
    body.on("error", reject);
    // Many short text nodes, as a table page renders them (a long string takes React's other path).
    const words = text.match(/.{1,40}/gsu) ?? [];
    const { pipe } = renderToPipeableStream(
      <main>
        <b>{lead}</b>
        {words.map((w, i) => (
          <span key={i}>{w}</span>
        ))}
      </main>,
      { onAllReady: () => pipe(body), onShellError: reject },
    );
  });
}

describe("page HTML stream", () => {
  for (const ch of ["é", "漢", "😀"]) {
    it(`has no NUL byte and decodes as UTF-8 with "${ch}" at every offset around ${VIEW} and ${2 * VIEW} bytes`, async () => {
      const offsets = new Set<number>();
      for (const boundary of [VIEW, 2 * VIEW]) {
        // <span> and </span> add 13 bytes per 40 characters: aim the first "${ch}" at the boundary's neighbourhood.
        const aim = Math.round(boundary / (1 + 13 / 40));
        // A new <span> every 40 characters skips 13 offsets; a lead-in of 20 more bytes fills them.
        for (const lead of ["", "b".repeat(20)]) for (let pad = aim - 30; pad <= aim + 30; pad++) {
          const text = `${"a".repeat(pad)}${ch.repeat(30)}z`;
          const bytes = await render(text, lead);
          expect(bytes.indexOf(0), `NUL byte with ${pad} characters before "${ch}"`).toBe(-1);
          const html = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
          expect(html.replace(/<[^>]*>/g, "")).toBe(lead + text);
          // Everything before the first "${ch}" is ASCII, so its index is its byte offset.
          offsets.add(html.indexOf(ch));
        }
      }
      // The test did put the character on both boundaries, in every position a character can straddle one.
      for (const boundary of [VIEW, 2 * VIEW]) for (let o = boundary - 4; o <= boundary; o++) expect(offsets, `offset ${o}`).toContain(o);
    });
  }

  it("keeps a chunk without NUL bytes as it is", async () => {
    const bytes = await render("plain ascii");
    expect(bytes.toString("utf8")).toBe("<main><b></b><span>plain ascii</span></main>");
  });
});
