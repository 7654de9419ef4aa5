import { Transform } from "node:stream";

/**
 * The stream a page's HTML is piped through on its way to the client, dropping NUL bytes.
 *
 * React 18's renderToPipeableStream copies text into 2,048-byte views; when a multi-byte
 * character does not fit at the end of one, it sends the whole view anyway, unused tail bytes
 * (zeros) included, then starts the next view with that character (react-dom 18.3
 * writeStringChunk). Those zeros are the only thing wrong: dropping every 0x00 byte restores the
 * exact intended bytes, and cannot split a character, since a NUL byte never occurs inside a
 * UTF-8 sequence. A NUL typed into stored text is dropped too, which HTML parsers do anyway
 * (docs/decisions/012-form-limits.md).
 */
export function htmlBodyStream(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (chunk.indexOf(0) < 0) return done(null, chunk);
      const out = Buffer.allocUnsafe(chunk.length);
      let n = 0;
      for (const byte of chunk) if (byte !== 0) out[n++] = byte;
      done(null, out.subarray(0, n));
    },
  });
}
