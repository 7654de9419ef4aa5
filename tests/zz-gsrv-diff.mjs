import { chromium } from "playwright-core";
import fs from "node:fs";
const B = "http://127.0.0.1:3977";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"] });
async function grab(js) {
  const ctx = await browser.newContext({ javaScriptEnabled: js });
  const page = await ctx.newPage();
  await page.goto(`${B}/login`);
  await page.fill("#username", "demo-director");
  await page.fill("#password", "baseline-demo");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await page.goto(B + process.argv[2]);
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(800);
  const html = await page.$eval("main", (m) => m.innerHTML);
  await ctx.close();
  return html;
}
const norm = (h) => h.replace(/recharts\d+-clip/g, "X").replace(/(>)/g, ">\n").split("\n");
fs.writeFileSync("/tmp/gsrv/nojs.txt", norm(await grab(false)).join("\n"));
fs.writeFileSync("/tmp/gsrv/js.txt", norm(await grab(true)).join("\n"));
await browser.close();
