/**
 * Finding cards drawn once on the server (docs/decisions/032-finding-cards-drawn-once.md): the HTML
 * through the memo is what drawing each card in place gives, for every kind of user, and a user
 * never gets a card that is not in their own report.
 */
import { renderToString } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";
import { renderRows } from "~/components/chart-memo.server";
import { StaticRowsContext, type RenderRows } from "~/components/StaticRows";
import { loadDemo } from "~/demo/load.server";
import { action as findingsAction, FindingCard, findingCardKey, loader as findingsLoader, type CardProps } from "~/routes/reports.findings";

const AS_OF = "2025-06-30";
const t = useTestDatabase();

type Page = { asOf: string; findings: CardProps["f"][]; noLongerApplies: CardProps["f"][]; pager: { nextHref: string | null } };

/** The loader's data as the page gets it (through JSON, as Remix hands it to the render). */
async function load(path: string, cookie: string): Promise<Page> {
  return JSON.parse(JSON.stringify(await run(findingsLoader, request(path, { cookie })))) as Page;
}

/** Every page of a report, through its own "next" links. */
async function allPages(path: string, cookie: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let next: string | null = path; next; ) {
    const page = await load(next, cookie);
    pages.push(page);
    next = page.pager.nextHref;
  }
  return pages;
}

let drawn = 0;
/** The server's memo, counting the cards it had to draw. */
const counting: RenderRows = (key, rows) =>
  renderRows(key, () => {
    drawn++;
    return rows();
  });

/** A page's cards as the page draws them: through the memo, or (memo off) each drawn in place. */
function cards(page: Page, memo: boolean, extra: Partial<CardProps> = {}): string {
  const list = [...page.findings.map((f) => ({ f, stale: false })), ...page.noLongerApplies.map((f) => ({ f, stale: true }))];
  return renderToString(
    <StaticRowsContext.Provider value={counting}>
      {list.map(({ f, stale }) => {
        const card: CardProps = { f, asOf: page.asOf, notice: null, submitting: false, stale, ...extra };
        return <FindingCard key={f.key} {...card} memoKey={memo ? findingCardKey(card) : null} />;
      })}
    </StaticRowsContext.Provider>,
  );
}

const centersShown = (html: string) => new Set([...html.matchAll(/<a href="\/centers\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1])));

describe("finding cards drawn once on the server", () => {
  let admin: string, auditor: string, director: string, state: string;

  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: AS_OF });
    [admin, auditor, director, state] = await Promise.all(["demo-admin", "demo-auditor", "demo-director", "demo-state"].map((u) => cookieFor(t.db, u)));
    // Responses whose findings never fire (no such capability), so the report has cards that no longer apply.
    await t.db
      .insertInto("finding_responses")
      .values(["VA", "MD"].map((code) => ({ rule: "MA-CAP", center_code: code, fiscal_year: 2019, capability_id: "ZZ.01", response: `Stale <${code}> & done`, updated_at: "2025-06-01T00:00:00Z" })))
      .execute();
  });

  it("give every user exactly the HTML of the cards drawn in place, and are drawn once", async () => {
    let stale = 0;
    for (const cookie of [admin, auditor, director, state]) {
      for (const page of await allPages(`/reports/findings?fy=all&asOf=${AS_OF}`, cookie)) {
        stale += page.noLongerApplies.length;
        const inPlace = cards(page, false);
        expect(cards(page, true)).toBe(inPlace);
        // Again: every card from the memo, none drawn.
        drawn = 0;
        expect(cards(page, true)).toBe(inPlace);
        expect(drawn).toBe(0);
      }
    }
    expect(stale).toBeGreaterThan(0);
  });

  it("draw each user's own forms: the same finding seen by an admin, an auditor and a director", async () => {
    const path = `/reports/findings?fy=all&center=VA&asOf=${AS_OF}`;
    const [byAdmin, byAuditor, byDirector] = await Promise.all([admin, auditor, director].map((c) => load(path, c)));
    const html = [byAdmin, byAuditor, byDirector].map((p) => cards(p, true));
    expect(byAdmin.findings.length).toBeGreaterThan(0);
    const forms = (h: string) => ({ respond: h.includes('name="intent" value="respond"'), dispose: h.includes('name="intent" value="disposition"') });
    expect(forms(html[0])).toEqual({ respond: true, dispose: true });
    expect(forms(html[1])).toEqual({ respond: false, dispose: true });
    expect(forms(html[2])).toEqual({ respond: true, dispose: false });
    expect(html.map((h, i) => h === cards([byAdmin, byAuditor, byDirector][i], false))).toEqual([true, true, true]);
  });

  it("never give a center's director another center's finding, whatever the memo holds", async () => {
    // The admin's whole report fills the memo with every center's cards.
    for (const page of await allPages(`/reports/findings?fy=all&asOf=${AS_OF}`, admin)) cards(page, true);
    const pages = await allPages(`/reports/findings?fy=all&asOf=${AS_OF}`, director);
    const html = pages.map((p) => cards(p, true)).join("");
    expect(pages.flatMap((p) => p.findings).length).toBeGreaterThan(0);
    expect([...centersShown(html)]).toEqual(["VA"]);
    expect(html).toContain("Stale &lt;VA&gt; &amp; done");
    expect(html).not.toContain("Stale &lt;MD&gt;");
    expect(html).not.toContain('value="disposition"');
  });

  it("show a saved response at once, and draw live the card the action answered, the card just saved and every card while a form is sent", async () => {
    const path = `/reports/findings?fy=all&center=VA&asOf=${AS_OF}`;
    const before = await load(path, director);
    cards(before, true);
    const f = before.findings[0];
    const form = { intent: "respond", formId: `respond-${f.anchor}`, key: f.key, version: String("message" in f ? (f.response?.version ?? 0) : f.version), asOf: AS_OF, response: "Cards follow their data." };
    const res = (await run(findingsAction, request(path, { cookie: director, form }))) as Response;
    expect(res.status).toBe(303);
    const after = await load(path, director);
    const html = cards(after, true);
    expect(html).toBe(cards(after, false));
    expect(html).toContain("Cards follow their data.");

    const card = { f, asOf: before.asOf, notice: null, submitting: false };
    expect(findingCardKey(card)).not.toBeNull();
    expect(findingCardKey({ ...card, notice: "Response saved." })).toBeNull();
    expect(findingCardKey({ ...card, submitting: true })).toBeNull();
    expect(findingCardKey({ ...card, actionData: { formId: `disposition-${f.anchor}`, result: {} } as CardProps["actionData"] })).toBeNull();
    // Another card's answer leaves this one drawn once.
    expect(findingCardKey({ ...card, actionData: { formId: "respond-finding-00000000", result: {} } as CardProps["actionData"] })).toBe(findingCardKey(card));
  });
});
