import { chromium } from "playwright-core";
const B = "http://127.0.0.1:3977";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"] });
const page = await browser.newPage();
let errors = [];
page.on("console", (m) => { if (m.type()==="error") errors.push(m.text().slice(0,1500)); });
page.on("pageerror", (e) => errors.push(e.message.slice(0, 1500)));
await page.goto(`${B}/login`);
await page.fill("#username", "demo-director");
await page.fill("#password", "baseline-demo");
await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
for (const p of process.argv.slice(2)) {
  errors = [];
  await page.goto(B + p);
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(300);
  console.log(p, errors.length ? [...new Set(errors)].join(" | ") : "ok");
}
await browser.close();
