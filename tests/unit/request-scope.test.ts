import { describe, expect, it } from "vitest";
import { oncePerRequest, withRequestScope } from "../../app/http/request-scope.server";

/** The signed-in user is looked up once per page request, however many loaders ask (app/http/request-scope.server.ts). */
describe("oncePerRequest", () => {
  const inScope = <T>(body: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => withRequestScope(() => void body().then(resolve, reject)));

  it("computes once for every loader of one request, even when they ask at the same moment", async () => {
    let lookups = 0;
    const lookup = () => oncePerRequest("user:t", async () => ({ id: ++lookups }));
    const [root, page] = await inScope(() => Promise.all([lookup(), lookup()]));
    expect(lookups).toBe(1);
    expect(root).toBe(page);
  });

  it("looks up again in the next request, for another key, and outside any request", async () => {
    let lookups = 0;
    const lookup = (key: string) => oncePerRequest(key, async () => ++lookups);
    expect(await inScope(() => lookup("user:a"))).toBe(1);
    expect(await inScope(() => lookup("user:a"))).toBe(2);
    expect(await inScope(async () => [await lookup("user:a"), await lookup("user:b")])).toEqual([3, 4]);
    expect(await lookup("user:a")).toBe(5);
    expect(await lookup("user:a")).toBe(6);
  });
});
