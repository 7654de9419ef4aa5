/**
 * Browser journeys: the production build, a fresh database with the demo data, and
 * Debian's Chromium driven by playwright-core. `npm run test:e2e`.
 *
 * - builds the app (`npm run build`) when build/ is missing or older than app/;
 * - starts the compiled server (build/server.js, as `npm start` runs it) on 127.0.0.1 (PORT=0: the server prints the port it got) with a temp DATABASE_PATH,
 *   or with DATABASE_URL set to a PostgreSQL server (npm run test:pg) a new database there;
 * - runs each journey in its own browser context, failing it on any console error or page error,
 *   and saves full-page screenshots at 390 and 1,366 px under tests/e2e/screenshots/ (git-ignored);
 * - prints a line per journey and "N passed, N failed"; writes {passed, failed} to $E2E_REPORT;
 * - exits non-zero on any failure and always stops the server and the browser.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCREENSHOTS = path.join(ROOT, "tests/e2e/screenshots");
const PASSWORD = "baseline-demo";
const SERVER_START_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// Build, server, browser
// ---------------------------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function ensureBuild(): void {
  const built = path.join(ROOT, "build/index.js");
  const sources = Math.max(
    newestMtime(path.join(ROOT, "app")),
    newestMtime(path.join(ROOT, "db")),
    ...["remix.config.js", "server.ts"].map((f) => fs.statSync(path.join(ROOT, f)).mtimeMs),
  );
  const serverEntry = path.join(ROOT, "build/server.js");
  const fresh = (f: string) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= sources;
  if (fresh(built) && fresh(serverEntry) && fs.existsSync(path.join(ROOT, "public/build"))) return;
  console.log("building the app (npm run build)…");
  const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

/**
 * Copies the build into `dir` (with node_modules linked) so the server runs from a snapshot: a
 * rebuild in the working tree during the run cannot swap the browser's assets under it. Returns
 * false when the copy is inconsistent (a rebuild was half-written), so the caller builds again.
 */
function snapshotBuild(dir: string): boolean {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, "build"), path.join(dir, "build"), { recursive: true });
  fs.cpSync(path.join(ROOT, "public"), path.join(dir, "public"), { recursive: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const server = fs.readFileSync(path.join(dir, "build/index.js"), "utf8");
  const manifest = /\/build\/(manifest-[A-Za-z0-9]+\.js)/.exec(server)?.[1];
  return Boolean(manifest && fs.existsSync(path.join(dir, "public/build", manifest)));
}

interface Server {
  child: ChildProcess;
  baseUrl: string;
  output: string[];
}

/**
 * Where the journeys' server keeps its data: a temp SQLite file, or under `npm run test:pg`
 * (DATABASE_URL names a PostgreSQL server) a new database on that server, dropped at the end.
 */
async function journeyDatabase(tmp: string): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL?.trim();
  if (!server || !/^postgres(ql)?:\/\//i.test(server)) return { env: { DATABASE_PATH: path.join(tmp, "e2e.sqlite"), DATABASE_URL: "" }, drop: async () => {} };
  const name = `baseline_e2e_${process.pid}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  console.log(`database: PostgreSQL ${url.host}/${name}`);
  return { env: { DATABASE_URL: url.toString() }, drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function startServer(appDir: string, database: Record<string, string>): Promise<Server> {
  // The compiled server, as `npm start` runs it; it reads build/ and public/ from its working directory: the snapshot.
  const child = spawn(process.execPath, ["build/server.js"], {
    cwd: appDir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: "0",
      ...database,
      SESSION_SECRET: randomBytes(24).toString("hex"),
      // Plain http on 127.0.0.1: the session cookie must not require https.
      COOKIE_SECURE: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${SERVER_START_TIMEOUT_MS / 1000}s:\n${output.join("")}`)), SERVER_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const m = /Baseline is serving (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(""));
      if (m) {
        clearTimeout(timer);
        resolve({ child, baseUrl: m[1], output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before serving:\n${output.join("")}`));
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5_000));
  if ((await Promise.race([exited, timeout])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    const found = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
    if (found) return found;
  } catch {
    // fall through to the Debian default
  }
  if (fs.existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  throw new Error("Chromium is not installed: apt-get install -y chromium (or set CHROMIUM_PATH)");
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

// ---------------------------------------------------------------------------------------------
// Journey helpers
// ---------------------------------------------------------------------------------------------

interface Journey {
  name: string;
  screenshot: string;
  run(page: Page, ctx: { baseUrl: string; downloads: string; newPage: (options: BrowserContextOptions) => Promise<Page> }): Promise<void>;
  /** Console errors the journey causes on purpose (Chromium logs every 4xx answer to a fetch). */
  expectedConsoleErrors?: RegExp[];
}

class Check extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Check(message);
}

async function signIn(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Bars drawn in the chart figure whose caption starts with `title`. */
async function barsIn(page: Page, title: string): Promise<number> {
  const figure = page.locator("figure.chart", { has: page.locator("figcaption", { hasText: title }) }).first();
  await figure.locator("svg.recharts-surface").first().waitFor({ state: "attached" });
  // After hydration the live chart replaces the server's SVG and draws once it has measured its box;
  // count the bars once that drawing has happened (or after 5 s, for a chart that has none).
  const bars = figure.locator(".recharts-bar-rectangle path");
  for (let waited = 0; ; waited += 100) {
    const n = await bars.count();
    if (n > 0 || waited >= 5000) return n;
    await page.waitForTimeout(100);
  }
}

/** Rows (not the header) of the data table inside a chart figure: the same figures the chart draws. */
async function tableRowsIn(page: Page, title: string): Promise<string[][]> {
  const figure = page.locator("figure.chart", { has: page.locator("figcaption", { hasText: title }) }).first();
  return figure.locator("tbody tr").evaluateAll((rows) => rows.map((r) => Array.from(r.children).map((c) => (c.textContent ?? "").trim())));
}

/** Non-zero money cells of a chart's table: each is one drawn bar segment. */
function nonZeroCells(rows: string[][], columns: number[]): number {
  return rows.reduce((n, r) => n + columns.filter((c) => r[c] !== undefined && !/^\$0(\.00)?$/.test(r[c]) && r[c] !== "0" && r[c] !== "—").length, 0);
}

function dollarsToCents(text: string): number {
  const m = /-?\$?([\d,]+)\.(\d{2})/.exec(text.trim());
  if (!m) throw new Check(`not an amount: "${text}"`);
  const cents = Number(m[1].replace(/,/g, "")) * 100 + Number(m[2]);
  return text.trim().startsWith("-") ? -cents : cents;
}

/** The two window widths every page must fit (a phone and a common laptop), see docs/decisions/016-responsive-layout.md. */
const NARROW = 390;
const WIDE = 1366;

/** Full-page screenshots of the page as it is, at 390 and 1,366 px: `<name>-390.png`, `<name>-1366.png`. */
async function screenshotBothWidths(page: Page, file: string): Promise<void> {
  const base = file.replace(/\.png$/, "");
  const before = page.viewportSize() ?? { width: WIDE, height: 900 };
  for (const width of [NARROW, WIDE]) {
    await page.setViewportSize({ width, height: 900 }).catch(() => undefined);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${base}-${width}.png`), fullPage: true }).catch(() => undefined);
  }
  await page.setViewportSize(before).catch(() => undefined);
}

/** How much wider than the window the page is (0 when it fits): horizontal scrolling of the whole page. */
async function overflow(page: Page): Promise<{ scrollWidth: number; window: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, window: window.innerWidth }));
}

// ---------------------------------------------------------------------------------------------
// The journeys
// ---------------------------------------------------------------------------------------------

const journeys: Journey[] = [
  {
    name: "director signs in, sees the dashboard and drafts next year's plan",
    screenshot: "director-plan.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-director");
      check(new URL(page.url()).pathname === "/dashboard", `signed in to ${page.url()}, expected /dashboard`);
      await page.getByRole("heading", { level: 1, name: /Dashboard — FY\d{4}/ }).waitFor();
      const fundingRows = await tableRowsIn(page, "Funding by source and fiscal year");
      check(fundingRows.length >= 2, `funding table has ${fundingRows.length} years`);
      const fundingBars = await barsIn(page, "Funding by source and fiscal year");
      const sourceColumns = Array.from({ length: fundingRows[0].length - 2 }, (_, i) => i + 1);
      check(fundingBars === nonZeroCells(fundingRows, sourceColumns), `funding chart drew ${fundingBars} bars for ${nonZeroCells(fundingRows, sourceColumns)} non-zero figures`);
      const statusBars = await barsIn(page, "Compliance status");
      const statusRows = await tableRowsIn(page, "Compliance status");
      check(statusBars === nonZeroCells(statusRows, [1]), `compliance chart drew ${statusBars} bars`);
      await page.screenshot({ path: path.join(SCREENSHOTS, "director-dashboard.png"), fullPage: true });

      // The heat map links to the center's gaps.
      await Promise.all([page.waitForURL(/\/centers\/VA\?fy=\d{4}#gaps$/), page.locator("table.heatmap td.heat a").first().click()]);
      await page.locator("#gaps").waitFor();
      const planLink = page.getByRole("link", { name: /^FY\d{4} budget plan$/ });
      const planYear = Number((await planLink.textContent())!.match(/\d{4}/)![0]);
      await Promise.all([page.waitForURL(new RegExp(`/centers/VA/plan/${planYear}$`)), planLink.click()]);
      await page.getByRole("heading", { level: 1, name: new RegExp(`FY${planYear} budget plan`) }).waitFor();

      // Expected SHSP money, and the first gap row (or an "other need" row) given part of it.
      await page.getByLabel(/^SHSP — /).fill("250000.00");
      const amounts = page.getByLabel("Amount in dollars");
      check((await amounts.count()) > 0, "the plan has no line rows");
      await amounts.first().fill("120000.00");
      await page.getByLabel("Description").first().fill("Analyst position for the open gap (e2e)");
      await Promise.all([page.waitForURL(/\?done=saved$/), page.getByRole("button", { name: "Save draft" }).click()]);
      await page.getByRole("status").filter({ hasText: "Draft saved." }).waitFor();
      await page.locator(".badge", { hasText: "draft" }).first().waitFor();
      check((await page.getByLabel(/^SHSP — /).inputValue()) === "250000.00", "the saved SHSP amount did not come back");
      check(await page.getByText(/Funds unassigned \(\$250,000\.00 expected/).isVisible(), "the figures do not show the expected $250,000.00");
    },
  },
  {
    name: "auditor opens an award report and downloads its CSV, whose totals match the page",
    screenshot: "auditor-award-report.png",
    async run(page, { baseUrl, downloads }) {
      await signIn(page, baseUrl, "demo-auditor");
      await page.goto(`${baseUrl}/awards`);
      // An HSGP award: federal, with budget lines and spending.
      const link = page.locator("a[href^='/awards/EMW-']").first();
      await link.waitFor();
      await Promise.all([page.waitForURL(/\/awards\/EMW-[^/]+$/), link.click()]);
      await Promise.all([page.waitForURL(/\/report$/), page.getByRole("link", { name: "Award report" }).click()]);
      await page.getByRole("heading", { level: 1, name: /^Award report: EMW-/ }).waitFor();

      const poeteRows = await tableRowsIn(page, "Budgeted and spent per POETE area");
      const bars = await barsIn(page, "Budgeted and spent per POETE area");
      check(bars === nonZeroCells(poeteRows, [1, 2]), `POETE chart drew ${bars} bars for ${nonZeroCells(poeteRows, [1, 2])} non-zero figures`);
      check(bars >= 2, `POETE chart drew only ${bars} bars`);

      const pageTotal = async (key: string) => dollarsToCents((await page.locator(`[data-total="${key}"]`).textContent()) ?? "");
      const shown = {
        budgeted: await pageTotal("lines-budgeted"),
        spent: await pageTotal("lines-spent"),
        remaining: await pageTotal("lines-remaining"),
        poeteBudgeted: await pageTotal("poete-budgeted"),
        spending: await pageTotal("spending"),
      };
      check(shown.budgeted > 0 && shown.spent > 0, "the report shows no budget or no spending");

      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
      check(/^award-report-EMW-.*\.csv$/.test(download.suggestedFilename()), `downloaded ${download.suggestedFilename()}`);
      const file = path.join(downloads, download.suggestedFilename());
      await download.saveAs(file);
      const rows: string[][] = parse(fs.readFileSync(file), { bom: true, relax_column_count: true });
      const totalsOf = (title: string) => {
        const start = rows.findIndex((r) => r.length === 1 && r[0] === title);
        check(start >= 0, `the CSV has no "${title}" section`);
        let end = rows.findIndex((r, i) => i > start && r.length === 1 && r[0] === "");
        if (end === -1) end = rows.length;
        return rows[end - 1];
      };
      const cents = (text: string) => Math.round(Number(text) * 100);
      const lines = totalsOf("Budget lines");
      check(cents(lines[5]) === shown.budgeted, `CSV budgeted ${lines[5]} ≠ page ${shown.budgeted / 100}`);
      check(cents(lines[6]) === shown.spent, `CSV spent ${lines[6]} ≠ page ${shown.spent / 100}`);
      check(cents(lines[7]) === shown.remaining, `CSV remaining ${lines[7]} ≠ page ${shown.remaining / 100}`);
      check(cents(totalsOf("POETE areas")[2]) === shown.poeteBudgeted, "CSV POETE total differs from the page");
      check(cents(totalsOf("Spending")[4]) === shown.spending, "CSV spending total differs from the page");

      // The print stylesheet hides the navigation and the buttons.
      await page.emulateMedia({ media: "print" });
      check(!(await page.locator("header.site-header").isVisible()), "navigation is visible in print");
      check(!(await page.getByRole("button", { name: "Print" }).isVisible()), "the Print button is visible in print");
      await page.emulateMedia({ media: "screen" });

      // The findings report: plain forms from the server, Conform's once hydrated (novalidate marks
      // them); a disposition saved there shows on the same finding after the round trip.
      await page.goto(`${baseUrl}/reports/findings`);
      const card = page.locator("article.finding").first();
      await card.waitFor();
      const form = card.locator("form[id^='disposition-']");
      await form.and(page.locator("form[novalidate]")).waitFor();
      await form.getByLabel("Disposition (auditor)").selectOption("accepted");
      await form.getByLabel("Auditor's note").fill("Checked against the grant file (browser journey).");
      await Promise.all([page.waitForURL(/[?&]finding=/), form.getByRole("button", { name: "Save disposition" }).click()]);
      const saved = page.locator("article.finding", { hasText: "Checked against the grant file (browser journey)." });
      await saved.waitFor();
      check((await saved.locator("dd strong").first().textContent()) === "Accepted", "the saved disposition is not shown as Accepted");
      await saved.getByRole("status").filter({ hasText: "Disposition saved." }).waitFor();
    },
  },
  {
    name: "director enters a sub-award under the state's HSGP prime and sees it on the prime's page",
    screenshot: "director-subaward.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-director");
      // The demo's HSGP prime of Virginia (46th state in the demo's list) for FY2025, held by its SAA.
      const prime = "EMW-2025-SS-90046";
      const number = `E2E-SUB-${Date.now()}`;
      await page.goto(`${baseUrl}/awards/new`);
      const award = page.locator("form#new-award");
      await award.getByLabel("Award number", { exact: true }).fill(number);
      await award.getByLabel("Program", { exact: true }).selectOption("SHSP");
      await award.getByLabel("Federal fiscal year", { exact: true }).fill("2025");
      await award.getByLabel("Award amount (dollars)", { exact: true }).fill("12,500.00");
      await award.getByLabel("Period of performance starts", { exact: true }).fill("2025-10-01");
      await award.getByLabel("Period of performance ends", { exact: true }).fill("2028-08-31");
      await award.getByLabel("Prime award number (FAIN)", { exact: true }).fill(prime);
      await Promise.all([page.waitForURL(/done=created/), award.getByRole("button", { name: "Record award" }).click()]);
      await page.getByRole("status").filter({ hasText: "Award recorded." }).waitFor();

      await page.goto(`${baseUrl}/prime-awards/${prime}`);
      await page.getByRole("heading", { level: 1, name: `Prime award ${prime}` }).waitFor();
      const row = page.locator("tr", { hasText: number });
      await row.waitFor();
      check((await row.textContent())?.includes("$12,500.00"), `the prime's page shows ${await row.textContent()} for the new sub-award`);
      const remainder = dollarsToCents((await page.locator(".tile", { hasText: "Other subrecipients" }).locator(".value").textContent()) ?? "");
      check(remainder > 0, "the prime's page shows no remainder for other subrecipients");
    },
  },
  {
    name: "auditor opens the reconciliation with USAspending: every status with its figures, and the CSV link",
    screenshot: "auditor-reconciliation.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-auditor");
      await page.goto(`${baseUrl}/reports/reconciliation`);
      await page.getByRole("heading", { level: 1, name: "Reconciliation with USAspending" }).waitFor();
      const rows = await page.locator("table tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => (td.textContent ?? "").trim())));
      const statuses = new Set(rows.map((r) => r[0]));
      for (const s of ["Matched", "Amount differs", "Missing in Baseline", "Missing in USAspending", "Below the $30,000 reporting threshold"]) {
        check(statuses.has(s), `the reconciliation shows no “${s}” row (has ${[...statuses].join(", ")})`);
      }
      const differs = rows.find((r) => r[0] === "Amount differs")!;
      check(/^\$[\d,]+\.\d\d$/.test(differs[4]) && /^\$[\d,]+\.\d\d$/.test(differs[5]) && differs[6] !== "", `the differing row shows ${differs.join(" | ")}`);
      const missing = rows.find((r) => r[0] === "Missing in Baseline")!;
      check(missing[4] === "" && /^\$/.test(missing[5]), `the row missing in Baseline shows ${missing.join(" | ")}`);
      const csv = page.getByRole("link", { name: "Download CSV" });
      check((await csv.getAttribute("href"))?.startsWith("/reports/reconciliation.csv"), "the CSV link does not lead to the reconciliation CSV");
    },
  },
  {
    name: "administrator re-imports an award under another center: the dry run lists the move, the import needs the checkbox",
    screenshot: "admin-import-move.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-admin");
      const number = `E2E-MOVE-${Date.now()}`;
      const file = (center: string) => ({
        name: `${center}.csv`,
        mimeType: "text/csv",
        buffer: Buffer.from(`award_number,center,program,fiscal_year,amount,pop_start,pop_end\n${number},${center},LOCAL,2025,5000,2024-10-01,2025-09-30\n`),
      });
      const dryRun = async (center: string) => {
        await page.goto(`${baseUrl}/import`);
        await page.getByLabel("File (CSV or XLSX)").setInputFiles(file(center));
        await page.getByRole("button", { name: "Check the file (dry run)" }).click();
        await page.getByRole("heading", { name: /What the import would do/ }).waitFor();
      };
      await dryRun("VA");
      await page.getByRole("button", { name: /^Import 1 new/ }).click();
      await page.getByRole("status").filter({ hasText: /Imported in one batch/ }).waitFor();

      await dryRun("MD");
      await page.getByText(`Row 2: ${number} moves from VA to MD`).waitFor();
      const confirm = page.getByRole("checkbox", { name: /Move 1 award to another center/ });
      check(!(await confirm.isChecked()), "the move is confirmed before anyone ticked it");
      await confirm.check();
      await page.getByRole("button", { name: /^Import 0 new and 1 changed/ }).click();
      await page.getByRole("status").filter({ hasText: /Imported in one batch/ }).waitFor();
    },
  },
  {
    name: "director records a payment: a double click records it once, the form clears, a refused payment shows no earlier confirmation",
    screenshot: "director-payment.png",
    expectedConsoleErrors: [/status of 400 \(Bad Request\)/],
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-director");
      const number = `E2E-ONCE-${Date.now()}`;
      await page.goto(`${baseUrl}/awards/new`);
      const award = page.locator("form#new-award");
      await award.getByLabel("Award number", { exact: true }).fill(number);
      await award.getByLabel("Program", { exact: true }).selectOption("SHSP");
      await award.getByLabel("Award amount (dollars)", { exact: true }).fill("10000.00");
      await award.getByLabel("Period of performance starts", { exact: true }).fill("2025-10-01");
      await Promise.all([page.waitForURL(/done=created/), award.getByRole("button", { name: "Record award" }).click()]);
      await page.getByRole("status").filter({ hasText: "Award recorded." }).waitFor();

      const line = page.locator("form#add-line");
      await line.getByLabel("Amount (dollars)", { exact: true }).fill("5000.00");
      await line.getByLabel("Description", { exact: true }).fill("Analyst course (e2e)");
      await Promise.all([page.waitForURL(/done=line-added/), line.getByRole("button", { name: "Add budget line" }).click()]);
      await page.getByRole("status").filter({ hasText: "Budget line added." }).waitFor();

      const payment = page.locator("form", { has: page.getByRole("button", { name: "Record payment" }) });
      await payment.getByLabel("Date paid", { exact: true }).fill("2025-11-01");
      await payment.getByLabel(/^Amount \(dollars/).fill("100.00");
      await payment.getByLabel("Payee / description", { exact: true }).fill("Double click (e2e)");
      await Promise.all([page.waitForURL(/done=spending-added/), payment.getByRole("button", { name: "Record payment" }).dblclick()]);
      await page.getByRole("status").filter({ hasText: "Payment recorded." }).waitFor();
      await page.waitForLoadState("networkidle");
      const rows = await page.locator("#spending tbody tr", { hasText: "Double click (e2e)" }).count();
      check(rows === 1, `a double click recorded ${rows} payments`);
      check((await payment.getByLabel(/^Amount \(dollars/).inputValue()) === "", "the payment form kept the recorded amount");

      // Over the line's budget: refused, and "Payment recorded." from the previous save is gone.
      await payment.getByLabel("Date paid", { exact: true }).fill("2025-11-02");
      await payment.getByLabel(/^Amount \(dollars/).fill("999999.00");
      await payment.getByLabel("Payee / description", { exact: true }).fill("Too much (e2e)");
      await payment.getByRole("button", { name: "Record payment" }).click();
      await payment.getByRole("alert").filter({ hasText: /over the line/ }).first().waitFor();
      check((await page.getByRole("status").filter({ hasText: "Payment recorded." }).count()) === 0, "the refused payment still shows “Payment recorded.”");
      check((await page.locator("#spending tbody tr", { hasText: "Too much (e2e)" }).count()) === 0, "the refused payment was recorded");
    },
  },
  {
    name: "director carries a year forward, then saves a row: the carry message gives way to the save's",
    screenshot: "director-carry-forward.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-director");
      await page.goto(`${baseUrl}/centers/VA/assessments/2026`);
      await Promise.all([page.waitForURL(/carried=\d+/), page.getByRole("button", { name: "Carry forward from FY2025" }).click()]);
      const carried = page.getByRole("status").filter({ hasText: /^Carried forward \d+ rows/ });
      await carried.waitFor();
      await page.waitForLoadState("networkidle");
      await page.locator("button[aria-label^='Save ']").first().click();
      await page.getByRole("status").filter({ hasText: /^(Saved|Nothing to save)/ }).waitFor();
      check((await carried.count()) === 0, "“Carried forward …” still shows after a later save");
    },
  },
  {
    name: "state official compares three centers and switches the year",
    screenshot: "state-compare.png",
    async run(page, { baseUrl }) {
      await signIn(page, baseUrl, "demo-state");
      // FY2025, the demo's last assessed year: an earlier journey records a VA award of a later year, which
      // (rightly) becomes the state official's default year, with no assessments yet.
      await page.goto(`${baseUrl}/compare?fy=2025`);
      const picker = page.getByRole("form", { name: "Compare chosen centers" });
      for (const code of ["TX", "TX-HOU", "VA"]) await picker.locator(`input[type=checkbox][value="${code}"]`).check();
      await Promise.all([page.waitForURL(/\/compare\?(fy=2025&)?c=TX&c=TX-HOU&c=VA/), picker.getByRole("button", { name: "Compare these centers" }).click()]);
      const heading = page.getByRole("heading", { level: 1, name: /Compare centers — FY\d{4}/ });
      await heading.waitFor();
      const firstYear = Number((await heading.textContent())!.match(/FY(\d{4})/)![1]);

      const scoreBars = async () => barsIn(page, "Baseline score");
      check((await scoreBars()) === 3, `score chart drew ${await scoreBars()} bars, expected 3`);
      const fundingRows = await tableRowsIn(page, "Funding by source");
      const fundingBars = await barsIn(page, "Funding by source");
      check(fundingRows.length === 3, `funding table has ${fundingRows.length} centers`);
      check(fundingBars === nonZeroCells(fundingRows, [1, 2, 3, 4, 5]), `funding chart drew ${fundingBars} bars`);
      check((await page.locator("table.compare thead th").count()) === 5, "the figures table does not have 3 center columns and a total");

      // The server-rendered HTML already holds the charts' SVG (no blank charts before hydration).
      const html = await (await page.request.get(page.url())).text();
      check((html.match(/recharts-bar-rectangle/g) ?? []).length >= 3, "server-rendered HTML holds no chart bars");

      // Switch to the previous year.
      const target = firstYear - 1;
      await Promise.all([page.waitForURL(new RegExp(`fy=${target}`)), page.getByRole("navigation", { name: "Fiscal year" }).getByRole("link", { name: `FY${target}`, exact: true }).click()]);
      await page.getByRole("heading", { level: 1, name: `Compare centers — FY${target}` }).waitFor();
      check((await scoreBars()) === 3, `after switching the year the score chart drew ${await scoreBars()} bars`);
      const gapRows = await tableRowsIn(page, "Open gaps");
      const gapBars = await barsIn(page, "Open gaps");
      check(gapBars === nonZeroCells(gapRows, [1, 2]), `gap chart drew ${gapBars} bars for ${nonZeroCells(gapRows, [1, 2])} non-zero figures`);
      check((await page.getByRole("cell", { name: `Baseline score FY${target}` }).count()) + (await page.getByRole("rowheader", { name: `Baseline score FY${target}` }).count()) === 1, "the figures table is not for the new year");
    },
  },
  {
    name: "every page fits the window at 390 and 1,366 px; wide tables scroll in their own box; the menu folds",
    screenshot: "layout.png",
    async run(page, { baseUrl, newPage }) {
      await signIn(page, baseUrl, "demo-admin");
      await page.goto(`${baseUrl}/awards?center=VA`);
      const award = await page.locator("a[href^='/awards/EMW-']").first().getAttribute("href");
      check(award, "no HSGP award of VA to open");
      await page.goto(`${baseUrl}/centers/VA`);
      const plan = await page.getByRole("link", { name: /^FY\d{4} budget plan$/ }).getAttribute("href");
      check(plan, "no plan link on the center page");
      const assessment = await page.getByRole("link", { name: /^Open the FY\d{4} assessment$/ }).getAttribute("href");
      check(assessment, "no assessment link on the center page");
      // The five pages named in the requirement (screenshots of each), then the rest of the app.
      const key: Array<[string, string]> = [
        ["dashboard", "/dashboard"],
        ["center", "/centers/VA"],
        ["award", award],
        ["plan", plan],
        ["findings", "/reports/findings"],
      ];
      const others = [
        "/centers",
        "/awards",
        "/awards/new",
        `${award}/report`,
        `${award}/amendments`,
        `${award}/match`,
        `${award}/periods`,
        "/centers/VA/assessments",
        assessment,
        "/capabilities",
        "/capabilities/I.A",
        "/compare?c=TX&c=TX-HOU&c=VA",
        "/deadlines",
        "/reports",
        "/rules",
        "/import",
        "/audit",
        "/admin/users",
        "/admin/programs",
        "/account",
        "/prime-awards",
        "/api/v1/docs",
      ];
      const tooWide: string[] = [];
      for (const width of [NARROW, WIDE]) {
        await page.setViewportSize({ width, height: 900 });
        // Every page at 390 px, where pages overflow; the five named pages at 1,366 px too (keeps the run short).
        for (const [name, url] of [...key, ...(width === NARROW ? others.map((u) => ["", u] as [string, string]) : [])]) {
          // The five named pages wait for the network to go quiet: scripts loaded, charts redrawn to their box.
          await page.goto(`${baseUrl}${url}`, { waitUntil: name ? "networkidle" : "load" });
          const m = await overflow(page);
          if (m.scrollWidth > m.window) tooWide.push(`${url} is ${m.scrollWidth} px wide at ${m.window} px`);
          if (name) await page.screenshot({ path: path.join(SCREENSHOTS, `layout-${name}-${width}.png`), fullPage: true });
        }
      }
      check(tooWide.length === 0, `pages wider than the window:\n      ${tooWide.join("\n      ")}`);

      // A wide table scrolls inside its own box and keeps its first column in view.
      await page.setViewportSize({ width: NARROW, height: 900 });
      await page.goto(`${baseUrl}/dashboard`, { waitUntil: "networkidle" });
      const box = page.locator(".table-scroll", { has: page.locator("table.heatmap") });
      const sizes = await box.evaluate((b) => ({ scroll: b.scrollWidth, client: b.clientWidth }));
      check(sizes.scroll > sizes.client, "the heat map does not scroll in its own box at 390 px");
      const firstCell = box.locator("tbody tr").first().locator("th, td").first();
      const x = async () => (await firstCell.boundingBox())!.x;
      const before = await x();
      await box.evaluate((b) => b.scrollBy({ left: 400 }));
      check(Math.abs((await x()) - before) < 1, "the heat map's first column scrolled out of view");
      // At 1,366 px the whole heat map, compliance column included, is in view without scrolling.
      await page.setViewportSize({ width: WIDE, height: 900 });
      const wide = await box.evaluate((b) => ({ scroll: b.scrollWidth, client: b.clientWidth }));
      check(wide.scroll <= wide.client, `the heat map needs ${wide.scroll} px in a ${wide.client} px box at 1,366 px`);

      // The header: a menu at 390 px that opens and navigates (with JavaScript), the links themselves at 1,366 px.
      const nav = page.getByRole("navigation", { name: "Main" });
      check(await nav.getByRole("link", { name: "Grants" }).isVisible(), "the navigation is hidden at 1,366 px");
      check(!(await page.locator(".site-menu > summary").isVisible()), "the menu button shows at 1,366 px");
      await page.setViewportSize({ width: NARROW, height: 900 });
      const header = await page.locator("header.site-header").boundingBox();
      check(header && header.height <= 80, `the header is ${header?.height} px tall at 390 px`);
      check(!(await nav.getByRole("link", { name: "Grants" }).isVisible()), "the navigation is not folded at 390 px");
      await page.locator(".site-menu > summary").click();
      await Promise.all([page.waitForURL(/\/awards$/), nav.getByRole("link", { name: "Grants" }).click()]);
      await page.getByRole("heading", { level: 1, name: "Grants" }).waitFor();
      check(!(await nav.getByRole("link", { name: "Grants" }).isVisible()), "the menu stays open after navigating");

      // The award list's CSV link carries the table's filters.
      await page.goto(`${baseUrl}/awards?program=JAG&fy=2024`);
      const csv = await page.getByRole("link", { name: "Download CSV" }).getAttribute("href");
      check(csv === "/awards.csv?program=JAG&fy=2024", `the award list's CSV link is ${csv}`);

      // Without JavaScript: the same menu opens, and server-drawn charts shrink to the window.
      const plain = await newPage({ javaScriptEnabled: false, viewport: { width: NARROW, height: 900 } });
      await signIn(plain, baseUrl, "demo-director");
      for (const url of ["/dashboard", "/centers/VA", award]) {
        await plain.goto(`${baseUrl}${url}`);
        const m = await overflow(plain);
        check(m.scrollWidth <= m.window, `without JavaScript ${url} is ${m.scrollWidth} px wide at ${m.window} px`);
      }
      await plain.screenshot({ path: path.join(SCREENSHOTS, "layout-award-no-js-390.png"), fullPage: true });
      const plainNav = plain.getByRole("navigation", { name: "Main" });
      check(!(await plainNav.getByRole("link", { name: "Centers" }).isVisible()), "without JavaScript the navigation is not folded at 390 px");
      await plain.locator(".site-menu > summary").click();
      await Promise.all([plain.waitForURL(/\/centers$/), plainNav.getByRole("link", { name: "Centers" }).click()]);
      await plain.getByRole("heading", { level: 1, name: "Fusion centers" }).waitFor();
    },
  },
  {
    name: "a failed sign-in empties the password and reads out the message; sign out everywhere ends the session",
    screenshot: "sign-in-failed.png",
    expectedConsoleErrors: [/^Failed to load resource: the server responded with a status of 401 \(Unauthorized\)$/],
    async run(page, { baseUrl }) {
      await page.goto(`${baseUrl}/login`);
      // Hydrated: the form now submits without a page load, and the browser keeps what was typed.
      await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter));
      await page.getByLabel("Username").fill("demo-director");
      await page.getByLabel("Password").fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      const message = page.getByRole("alert");
      await message.waitFor();
      check((await message.textContent()) === "The username or password is not right.", `message: ${await message.textContent()}`);
      check((await page.getByLabel("Password").inputValue()) === "", "the password is still in the field after a failed sign-in");
      check(await message.evaluate((el) => el === document.activeElement), "focus is not on the message");
      check((await page.getByLabel("Username").inputValue()) === "demo-director", "the username was not kept");

      await page.getByLabel("Password").fill(PASSWORD);
      await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.getByRole("button", { name: "Sign in" }).click()]);
      await page.goto(`${baseUrl}/account`);
      const sessions = page.locator("section", { has: page.getByRole("heading", { name: "Where you are signed in" }) });
      await sessions.getByText("(this session)").waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(SCREENSHOTS, "account-sessions-390.png"), fullPage: true });
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.screenshot({ path: path.join(SCREENSHOTS, "account-sessions-1366.png"), fullPage: true });
      await Promise.all([page.waitForURL(/\/login$/), sessions.getByRole("button", { name: /Sign out everywhere/ }).click()]);
      await page.goto(`${baseUrl}/dashboard`);
      check(new URL(page.url()).pathname === "/login", `after signing out everywhere /dashboard opened ${page.url()}`);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

async function runJourney(browser: Browser, journey: Journey, baseUrl: string, downloads: string): Promise<string | null> {
  const context: BrowserContext = await browser.newContext({ acceptDownloads: true, viewport: { width: WIDE, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && !journey.expectedConsoleErrors?.some((re) => re.test(msg.text()))) problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  let failure: string | null = null;
  // Extra pages a journey opens (another user, JavaScript off) live in their own contexts, closed with the journey's.
  const extra: BrowserContext[] = [];
  const newPage = async (options: BrowserContextOptions) => {
    const ctx = await browser.newContext(options);
    ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
    extra.push(ctx);
    const p = await ctx.newPage();
    p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    return p;
  };
  try {
    await journey.run(page, { baseUrl, downloads, newPage });
    if (problems.length) failure = problems.join("\n    ");
  } catch (error) {
    failure = [(error as Error).message, ...problems].join("\n    ");
  } finally {
    await screenshotBothWidths(page, journey.screenshot);
    for (const ctx of extra) await ctx.close().catch(() => undefined);
    await context.close();
  }
  return failure;
}

async function main(): Promise<number> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-e2e-"));
  const downloads = path.join(tmp, "downloads");
  fs.mkdirSync(downloads);
  let server: Server | null = null;
  let browser: Browser | null = null;
  let database: Awaited<ReturnType<typeof journeyDatabase>> | null = null;
  let passed = 0;
  let failed = 0;
  try {
    const appDir = path.join(tmp, "app");
    ensureBuild();
    if (!snapshotBuild(appDir)) {
      fs.rmSync(path.join(ROOT, "build"), { recursive: true, force: true });
      ensureBuild();
      if (!snapshotBuild(appDir)) throw new Error("build/ and public/build/ do not match (is another build running?)");
    }
    database = await journeyDatabase(tmp);
    server = await startServer(appDir, database.env);
    console.log(`server: ${server.baseUrl}`);
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
    for (const journey of journeys.filter((j) => !process.env.E2E_ONLY || j.name.includes(process.env.E2E_ONLY))) {
      const started = Date.now();
      const failure = await runJourney(browser, journey, server.baseUrl, downloads);
      const ms = Date.now() - started;
      if (failure === null) {
        passed++;
        console.log(`✓ ${journey.name} (${ms} ms)`);
      } else {
        failed++;
        console.log(`✗ ${journey.name} (${ms} ms)\n    ${failure}`);
      }
    }
  } catch (error) {
    failed += journeys.length - passed - failed || 1;
    console.error(`e2e setup failed: ${(error as Error).stack ?? error}`);
  } finally {
    if (failed > 0 && server) console.log(`server output (last 40 lines):\n${server.output.join("").split("\n").slice(-40).join("\n")}`);
    await browser?.close().catch(() => undefined);
    if (server) await stopServer(server.child);
    await database?.drop().catch((error) => console.error(`could not drop the journeys' database: ${error.message}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (process.env.E2E_REPORT) fs.writeFileSync(process.env.E2E_REPORT, JSON.stringify({ passed, failed }));
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
