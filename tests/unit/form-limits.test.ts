import { parseWithZod } from "@conform-to/zod/v4";
import type { ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FORM_LIMITS, FormBodyMeter, formBodyLimit } from "../../app/http/form-limits.server";
import { UNREADABLE_FORM_MESSAGE } from "../../app/http/request-errors.server";
import { withFriendlyErrorPages } from "../../app/http/storage-errors.server";

/**
 * Every form limit of app/http/form-limits.server.ts, just under and just over, through the
 * wrapper server.ts puts around every action. The action here reads its form as the routes do
 * (request.formData() then Conform's parseWithZod) and answers 200 with the number of fields.
 */
const schema = z.object({ rows: z.array(z.object({ status: z.string().optional() })).optional() }).passthrough();

async function readForm({ request }: { request: Request }) {
  const form = await request.formData();
  const submission = parseWithZod(form, { schema });
  return new Response(JSON.stringify({ fields: [...form.keys()].length, status: submission.status ?? "intent" }), { status: 200 });
}

async function uploadLike({ request }: { request: Request }) {
  // Reads the raw body as Remix's multipart parser does on /import.
  const reader = request.body!.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
  }
  return new Response(JSON.stringify({ bytes }), { status: 200 });
}

const served = (action: unknown) =>
  withFriendlyErrorPages({ routes: { r: { id: "r", path: "", module: { action } } } } as unknown as ServerBuild).routes.r.module.action as (args: unknown) => Promise<Response>;
const formAction = served(readForm);
const rawAction = served(uploadLike);

async function post(body: BodyInit, contentType: string | null, path = "/centers/VA/plan/2025", action = formAction): Promise<{ status: number; text: string }> {
  const headers = new Headers();
  if (contentType) headers.set("Content-Type", contentType);
  const request = new Request(`http://localhost${path}`, { method: "POST", headers, body });
  try {
    const res = await action({ request, params: {}, context: { requestId: "test" } });
    return { status: res.status, text: await res.text() };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status, text: await thrown.text() };
    throw thrown;
  }
}

const form = (pairs: Array<[string, string]>) => post(new URLSearchParams(pairs).toString(), "application/x-www-form-urlencoded");

function multipart(parts: Array<{ name: string; value: string; extraHeader?: string }>, boundary = "XyZ"): string {
  return (
    parts.map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n${p.extraHeader ?? ""}\r\n${p.value}\r\n`).join("") + `--${boundary}--\r\n`
  );
}

describe("form field names and list indexes", () => {
  it(`accepts an index of ${FORM_LIMITS.maxIndex} and refuses ${FORM_LIMITS.maxIndex + 1} with a 400 before Conform builds the list`, async () => {
    expect(await form([[`rows[${FORM_LIMITS.maxIndex}].status`, "achieved"]])).toMatchObject({ status: 200 });
    const over = await form([[`rows[${FORM_LIMITS.maxIndex + 1}].status`, "achieved"]]);
    expect(over.status).toBe(400);
    expect(over.text).toBe(`The form field "rows[2000].status" has a list index over 1,999; no form has that many rows. Nothing was saved.`);
  });

  it("answers x[10000000] with a short 400, not a ten-million-slot list", async () => {
    const r = await form([["x[10000000]", "1"]]);
    expect(r.status).toBe(400);
    expect(r.text).toContain("has a list index over 1,999");
    expect(r.text.length).toBeLessThan(200);
  });

  it(`accepts a name of ${FORM_LIMITS.nameLength} characters and refuses ${FORM_LIMITS.nameLength + 1}`, async () => {
    expect((await form([["n".repeat(FORM_LIMITS.nameLength), "1"]])).status).toBe(200);
    const r = await form([["n".repeat(FORM_LIMITS.nameLength + 1), "1"]]);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^A form field name is longer than 100 characters/);
  });

  it("refuses names no Baseline page sends: empty, prototype keys, odd syntax", async () => {
    for (const name of ["", "__proto__", "a.__proto__.b", "constructor", "rows[1]]", "rows[].x", "a..b", "1abc", "a b", "rows[-1]"]) {
      const r = await form([[name, "1"]]);
      expect(r.status, name).toBe(400);
      expect(r.text, name).toMatch(/field Baseline's pages do not send/);
    }
  });
});

describe("number of fields", () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => [`f${i}`, ""] as [string, string]);
  it(`accepts ${FORM_LIMITS.fields.toLocaleString("en-US")} fields and refuses one more with a 413`, async () => {
    const ok = await form(fields(FORM_LIMITS.fields));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).fields).toBe(FORM_LIMITS.fields);
    const over = await form(fields(FORM_LIMITS.fields + 1));
    expect(over).toEqual({ status: 413, text: "The form has more than 12,000 fields. Nothing was saved." });
  });

  it("counts multipart parts the same way", async () => {
    const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, value: "" }));
    expect((await post(multipart(parts(FORM_LIMITS.fields)), "multipart/form-data; boundary=XyZ")).status).toBe(200);
    expect((await post(multipart(parts(FORM_LIMITS.fields + 1)), "multipart/form-data; boundary=XyZ")).status).toBe(413);
  });
});

describe("body size", () => {
  const MB = 1024 * 1024;
  const urlencodedOf = (bytes: number) => `a=${"x".repeat(bytes - 2)}`;

  it("accepts a 1 MB urlencoded form and refuses one byte more with a 413", async () => {
    expect((await post(urlencodedOf(MB), "application/x-www-form-urlencoded")).status).toBe(200);
    expect(await post(urlencodedOf(MB + 1), "application/x-www-form-urlencoded")).toEqual({ status: 413, text: "The form is larger than 1 MB. Nothing was saved." });
  });

  it("accepts a 1 MB multipart form and refuses one byte more", async () => {
    const frame = multipart([{ name: "a", value: "" }]).length;
    expect((await post(multipart([{ name: "a", value: "x".repeat(MB - frame) }]), "multipart/form-data; boundary=XyZ")).status).toBe(200);
    expect((await post(multipart([{ name: "a", value: "x".repeat(MB - frame + 1) }]), "multipart/form-data; boundary=XyZ")).status).toBe(413);
  });

  it("gives multipart uploads to /import their own 50 MB limit, and its other forms the 1 MB one", async () => {
    expect(formBodyLimit("/import", "multipart/form-data; boundary=x")).toBe(50 * MB);
    expect(formBodyLimit("/import", "application/x-www-form-urlencoded")).toBe(MB);
    expect(formBodyLimit("/awards/X", "multipart/form-data; boundary=x")).toBe(MB);
    const upload = multipart([{ name: "file", value: "x".repeat(2 * MB) }]);
    expect((await post(upload, "multipart/form-data; boundary=XyZ", "/import", rawAction)).status).toBe(200);
    expect((await post(urlencodedOf(MB + 1), "application/x-www-form-urlencoded", "/import")).status).toBe(413);
  });

  it("meters the raw body too, for actions that stream it themselves", async () => {
    expect((await post(urlencodedOf(MB + 1), "application/x-www-form-urlencoded", "/somewhere", rawAction)).status).toBe(413);
  });
});

describe("multipart framing", () => {
  const header = (n: number) => `X-Pad: ${"p".repeat(n)}\r\n`;
  // A part's header is its header lines with their line ends: `Content-Disposition: form-data; name="a"\r\n` plus the padding line.
  const base = 'Content-Disposition: form-data; name="a"\r\n'.length;

  it(`accepts a part header of ${FORM_LIMITS.partHeaderBytes} bytes and refuses one byte more with a 413`, async () => {
    const fill = FORM_LIMITS.partHeaderBytes - base - header(0).length;
    const exact = multipart([{ name: "a", value: "v", extraHeader: header(fill) }]);
    expect((await post(exact, "multipart/form-data; boundary=XyZ")).status).toBe(200);
    const over = await post(multipart([{ name: "a", value: "v", extraHeader: header(fill + 1) }]), "multipart/form-data; boundary=XyZ");
    expect(over).toEqual({ status: 413, text: "A part of the form has a header over 8 KB. Nothing was saved." });
  });

  it("refuses a 900 KB part header on /import, before the upload parser sees it", async () => {
    const r = await post(multipart([{ name: "file", value: "v", extraHeader: header(900 * 1024) }]), "multipart/form-data; boundary=XyZ", "/import", rawAction);
    expect(r.status).toBe(413);
  });

  it("refuses multipart without a boundary with a 400, on any path", async () => {
    for (const [path, action] of [["/centers/VA/plan/2025", formAction], ["/import", rawAction]] as const) {
      const r = await post(multipart([{ name: "a", value: "v" }]), "multipart/form-data", path, action);
      expect(r).toEqual({ status: 400, text: "The form was sent as multipart/form-data without a boundary, so it cannot be read. Nothing was saved." });
    }
  });

  it("finds part headers across chunk edges", () => {
    const body = Buffer.from(multipart([{ name: "a", value: "v", extraHeader: header(FORM_LIMITS.partHeaderBytes) }]));
    for (const size of [1, 2, 3, 7, 64]) {
      const meter = new FormBodyMeter(1024 * 1024, "XyZ");
      expect(() => {
        for (let i = 0; i < body.length; i += size) meter.feed(body.subarray(i, i + size));
      }, `chunks of ${size}`).toThrow(/header over 8 KB/);
      const fine = new FormBodyMeter(1024 * 1024, "XyZ");
      const ok = Buffer.from(multipart([{ name: "a", value: "v" }, { name: "b", value: "w" }]));
      for (let i = 0; i < ok.length; i += size) fine.feed(ok.subarray(i, i + size));
      expect(fine.fields, `chunks of ${size}`).toBe(2);
    }
  });
});

describe("Conform's control fields", () => {
  it("refuses a malformed __intent__ or __state__ with a 400", async () => {
    for (const [name, value] of [
      ["__intent__", "{"],
      ["__intent__", "null"],
      ["__intent__", "1"],
      ["__intent__", '{"type":"update"}'],
      ["__intent__", '{"type":"insert","payload":{"name":"x[10000000]"}}'],
      ["__intent__", '{"type":"insert","payload":{"name":"rows","index":10000000}}'],
      ["__intent__", '{"type":"remove","payload":{"name":"rows[0].status","index":0}}'],
      ["__state__", "{"],
    ]) {
      const r = await form([["rows[0].status", "achieved"], [name, value]]);
      expect(r.status, `${name}=${value}`).toBe(400);
      expect(r.text).toMatch(new RegExp(`The form's ${name} field is not one Baseline's pages send|__intent__ field`));
    }
  });

  it("lets a well-formed intent through to the action", async () => {
    const r = await form([["rows[0].status", "achieved"], ["__intent__", '{"type":"validate","payload":{"name":"rows[0].status"}}']]);
    expect(r).toMatchObject({ status: 200 });
  });
});

describe("bodies that are not forms", () => {
  it("still answer the plain unreadable-form sentence", async () => {
    expect(await post('{"a":1}', "application/json")).toEqual({ status: 400, text: UNREADABLE_FORM_MESSAGE });
  });
});
