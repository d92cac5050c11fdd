// The consent banner in real headless Chromium (C35, C36, C37), against a
// running demo (`vigie demo`): nothing of a purpose loads before consent;
// refuse, accept and withdraw are done with the keyboard alone and each is
// recorded; focus stays inside the open banner; axe-core finds no serious
// or critical violation; the site's own form objecting to solicitation
// feeds the suppression list (C37).
// Usage: node consent.mjs http://127.0.0.1:18089 DB (DB: the demo's
// SQLite file, to read the records back).
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";

const [base, db] = process.argv.slice(2);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const fail = (m) => { console.error("FAIL: " + m); process.exit(1); };
const check = (ok, m) => { if (!ok) fail(m); console.log("ok - " + m); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const loaded = [];
  const posted = [];
  page.on("request", (r) => {
    if (r.url().includes("demo-tracker.js")) loaded.push(r.url());
    if (r.method() === "POST" && r.url().includes("/choix")) posted.push(r);
  });
  const answers = [];
  page.on("response", (r) => { if (r.url().includes("/choix")) answers.push(r.status()); });
  await page.goto(base + "/p/sidec-jura/site-demo");
  await page.waitForSelector('[role="dialog"]');
  check(loaded.length === 0, "nothing of a purpose loads before a choice");
  check((await page.textContent("#vigie-demo-status")).includes("inactive"), "the measurement script stays inert");

  // The banner as it first shows: accessible, refuse and accept alike.
  const focused = await page.evaluate(() => document.activeElement.textContent);
  check(focused === "Tout refuser", "focus starts on « Tout refuser »");
  const [refuseBox, acceptBox] = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".vigie-choice")).map((b) => {
      const r = b.getBoundingClientRect();
      const s = getComputedStyle(b);
      return [Math.round(r.width), Math.round(r.height), s.backgroundColor, s.color, s.fontSize].join("|");
    }));
  check(refuseBox === acceptBox, "« Tout refuser » is as visible as « Tout accepter » (" + refuseBox + ")");
  for (let i = 0; i < 12; i++) await page.keyboard.press("Tab");
  check(await page.evaluate(() => !!document.activeElement.closest('[role="dialog"]')), "Tab keeps focus inside the banner");
  await page.keyboard.press("Shift+Tab");
  check(await page.evaluate(() => !!document.activeElement.closest('[role="dialog"]')), "Shift+Tab too");
  // Evaluated through the DevTools protocol: the page's CSP stays as served.
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  });
  check(axe.length === 0, "axe-core: no serious or critical violation" + (axe.length ? " — " + axe.join("; ") : ""));

  // Refuse, with the keyboard.
  await page.focus(".vigie-choice:first-of-type");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.querySelector('[role="dialog"]'));
  await page.waitForTimeout(300);
  check(loaded.length === 0, "refused: the measurement script still does not load");
  const device = await page.evaluate(() => localStorage.getItem("vigie-device"));
  check(/^[0-9a-f]{32}$/.test(device), "a pseudonymous device identifier, no IP or account");

  // The permanent link reopens it; accept, with the keyboard.
  await page.focus("[data-vigie-open]");
  await page.keyboard.press("Enter");
  await page.waitForSelector('[role="dialog"]');
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.textContent) === "Tout accepter", "Tab reaches « Tout accepter »");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("vigie-demo-status").textContent.includes("active ("));
  check(loaded.length === 1, "accepted: the measurement script loads");

  // Withdraw one purpose: uncheck it and save, with the keyboard.
  await page.focus("[data-vigie-open]");
  await page.keyboard.press("Enter");
  await page.waitForSelector('[role="dialog"]');
  await page.focus("#vigie-p-performance");
  await page.keyboard.press("Space");
  await page.focus(".vigie-save");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.querySelector('[role="dialog"]'));
  await page.waitForTimeout(500);
  check(answers.length === 3 && answers.every((s) => s === 201), "three choices sent, each recorded (" + answers.join(",") + ")");

  // Vigie's record of them, in order.
  const kinds = execFileSync("sqlite3", [db,
    `SELECT kind FROM consent_records WHERE device = '${device}' ORDER BY seq`]).toString().trim().split("\n");
  check(kinds.join(",") === "refuse_all,accept_all,withdraw", "recorded: " + kinds.join(", "));

  // A choice holds across pages: a new visit loads the accepted purposes only.
  const again = await context.newPage();
  await again.goto(base + "/p/sidec-jura/site-demo");
  await again.waitForTimeout(300);
  check(await again.evaluate(() => !document.querySelector('[role="dialog"]')), "a choice made is not asked again");

  // C37: the site's own form objecting to solicitation, with the keyboard;
  // the answer is said in place, the address goes on the list.
  await again.focus("#vigie-value");
  await again.keyboard.type("Visiteur.Banniere@Exemple.fr");
  await again.keyboard.press("Enter");
  await again.waitForFunction(() => (document.querySelector('[role="status"]') || {}).textContent);
  const said = await again.textContent('[role="status"]');
  check(said.includes("enregistrée"), "the objection is acknowledged in place: " + said);
  const listed = execFileSync("sqlite3", [db,
    "SELECT COUNT(*) FROM suppressions WHERE channel = 'email' AND source LIKE 'site:%'"]).toString().trim();
  check(listed === "1", "the address is on the suppression list, from the site");
} finally {
  await browser.close();
}
