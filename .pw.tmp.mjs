import { chromium } from "playwright-core";
import fs from "node:fs";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
page.on("console", (m) => console.log("console:", m.type(), m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
const base = "http://127.0.0.1:38417";
await page.goto(`${base}/login?redirectTo=/import`);
await page.fill("input[name=username]", "demo-director");
await page.fill("input[name=password]", "baseline-demo");
await Promise.all([page.waitForURL(/\/import/), page.click("button[type=submit]")]);
await page.waitForFunction(() => document.querySelector("input[name=js]")?.value === "1");
await page.setInputFiles("input[name=file]", "/tmp/imp/pw.csv");
await page.click("text=Check the file (dry run)");
const t0 = Date.now();
let sawProgress = false;
for (let i = 0; i < 600; i++) {
  if (await page.locator("progress").count()) { sawProgress = true; if (!fs.existsSync("/tmp/imp/pw-progress.png")) await page.screenshot({ path: "/tmp/imp/pw-progress.png" }); }
  if (await page.locator("#result-heading").count()) break;
  await page.waitForTimeout(200);
}
console.log("dry run shown after", Date.now() - t0, "ms; progress bar seen:", sawProgress);
console.log(await page.locator("#result-heading").innerText());
console.log(await page.locator(".tiles").innerText());
await page.screenshot({ path: "/tmp/imp/pw-dry.png" });
await page.click("button[name=intent][value=confirm]");
for (let i = 0; i < 600; i++) { if (await page.locator("text=Imported in one batch").count()) break; await page.waitForTimeout(200); }
console.log(await page.locator("[role=status]").first().innerText());
await page.screenshot({ path: "/tmp/imp/pw-done.png", fullPage: false });
await browser.close();
