import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { parsePublicUrl, publicOrigin } from "~/http/public-url.server";
import { rotateIcsToken } from "~/models/users.server";
import { loader as accountLoader } from "~/routes/account";
import { loader as feedLoader } from "~/routes/calendar.$token[.]ics";
import { cookieFor, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

/**
 * The calendar feed's links (and the feed link on the account page) come from PUBLIC_URL, never
 * from the request: a client sending `Host: evil.example` must not put that name in the feed.
 */
const t = useTestDatabase();
let token: string;
let director: string;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  const user = await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow();
  token = (await t.db.transaction().execute((trx) => rotateIcsToken(trx, user.id)))!;
  director = await cookieFor(t.db, "demo-director");
});

afterEach(() => {
  delete process.env.PUBLIC_URL;
});

/** A request as Remix builds it from a client's Host header. */
function fromHost(host: string, path: string, cookie?: string): Request {
  return new Request(`http://${host}${path}`, { headers: { Host: host, ...(cookie ? { Cookie: cookie } : {}) } });
}

async function feed(host: string): Promise<string> {
  const res = (await run(feedLoader, fromHost(host, `/calendar/${token}.ics`), { token })) as Response;
  expect(res.status).toBe(200);
  return res.text();
}

describe("calendar feed links", () => {
  it("come from PUBLIC_URL whatever Host the request names", async () => {
    process.env.PUBLIC_URL = "https://baseline.example.org/";
    const text = await feed("evil.example");
    const urls = text.split("\r\n").filter((l) => l.startsWith("URL:"));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toMatch(/^URL:https:\/\/baseline\.example\.org\/deadlines\?center=VA$/);
    expect(text).not.toContain("evil.example");
    const page = (await run(accountLoader, fromHost("evil.example", "/account", director))) as { feed: string };
    expect(page.feed).toBe(`https://baseline.example.org/calendar/${token}.ics`);
  });

  it("default to http://localhost on the configured port when PUBLIC_URL is unset", async () => {
    const text = await feed("evil.example:8080");
    expect(text).not.toContain("evil.example");
    expect(text).toContain(`URL:${publicOrigin()}/deadlines?center=VA`);
    expect(publicOrigin({ PORT: "8080" })).toBe("http://localhost:8080");
    expect(publicOrigin({})).toBe("http://localhost:3000");
  });

  it("accept only an http(s) origin as PUBLIC_URL", () => {
    expect(parsePublicUrl("https://baseline.example.org")).toBe("https://baseline.example.org");
    expect(parsePublicUrl("http://10.0.0.5:3000/")).toBe("http://10.0.0.5:3000");
    for (const bad of ["baseline.example.org", "ftp://x.org", "https://x.org/app", "https://u:p@x.org", "https://x.org/?a=1", "javascript:alert(1)"]) {
      expect(parsePublicUrl(bad), bad).toBeNull();
    }
    expect(() => publicOrigin({ PUBLIC_URL: "not a url" })).toThrow(/PUBLIC_URL must be/);
  });
});
