// The shared DPO's journey of issue 17 in real headless Chromium, with
// JavaScript turned off (the core forms work without it), against a
// running demo (`vigie demo`): sign in, read the follow-up (an action is
// late), write a version of the impact assessment with the keyboard,
// upload an evidence document through the plain file form, read the
// annual report; axe-core finds no serious or critical violation on each
// page (evaluated through the DevTools protocol, the page's CSP as
// served).
// Usage: node dpo.mjs http://127.0.0.1:18089 PASSWORD
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, password] = process.argv.slice(2);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const fail = (m) => { console.error("FAIL: " + m); process.exit(1); };
const check = (ok, m) => { if (!ok) fail(m); console.log("ok - " + m); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// axe-core needs scripts: a second context with JavaScript reads the same
// pages (same cookies) for the audit only.
async function audit(context, url, what) {
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "));
  });
  await page.close();
  check(found.length === 0, "axe-core on " + what + ": no serious or critical violation" + (found.length ? " — " + found.join("; ") : ""));
}

try {
  const plain = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR" });
  const page = await plain.newPage();
  await page.goto(base + "/sign-in");
  await page.fill("#email", "dpo@cis-valley.example");
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.press("#password", "Enter")]);
  check(!page.url().includes("/sign-in"), "signed in without JavaScript");
  const scripted = await browser.newContext({ storageState: await plain.storageState() });

  // The follow-up: the demo's late action is said so.
  await page.goto(base + "/t/sidec-jura/suivi");
  const late = await page.textContent("tbody");
  check(late.includes("Former les agents") && late.includes("en retard"), "the follow-up shows the late action");
  await audit(scripted, base + "/t/sidec-jura/suivi", "the follow-up");

  // The impact assessment, reached from the activity's page.
  await page.goto(base + "/t/sidec-jura/registre");
  await Promise.all([page.waitForNavigation(), page.click("tbody a")]);
  await Promise.all([page.waitForNavigation(), page.click("a[href$='/aipd']")]);
  check((await page.textContent("h1")).includes("Analyse d'impact"), "the assessment's page opens from the activity");
  await audit(scripted, page.url(), "the impact assessment");
  await page.focus("#d-standards");
  await page.keyboard.type("Référentiel CNIL « gestion des demandes »");
  await page.selectOption("#d-illegitimate_access-severity", "limited");
  await Promise.all([page.waitForNavigation(), page.click("button.primary")]);
  const saved = await page.content();
  check(saved.includes("Référentiel CNIL"), "a new version is saved from the keyboard");
  check((await page.$$("table tbody tr")).length >= 2, "the versions are listed");

  // Evidence through the plain file form.
  const dir = mkdtempSync(join(tmpdir(), "vigie-dpo-"));
  const file = join(dir, "attestation-hebergeur.pdf");
  writeFileSync(file, "%PDF-1.4\nattestation HDS\n%%EOF\n");
  await page.goto(base + "/t/sidec-jura/suivi/preuves");
  await page.setInputFiles("#ev-file", file);
  await Promise.all([page.waitForNavigation(), page.click("form[enctype] button.primary")]);
  check((await page.textContent("tbody")).includes("attestation-hebergeur.pdf"), "the document is kept and listed");
  const bad = join(dir, "page.pdf");
  writeFileSync(bad, "<html><script>alert(1)</script></html>");
  await page.setInputFiles("#ev-file", bad);
  await Promise.all([page.waitForNavigation(), page.click("form[enctype] button.primary")]);
  check((await page.textContent("[role=alert]")).includes("son type est lu dans son contenu"), "markup named .pdf is refused, said why");
  await audit(scripted, base + "/t/sidec-jura/suivi/preuves", "the evidence documents");

  // The annual report.
  await page.goto(base + "/t/sidec-jura/rapport-annuel");
  const report = await page.textContent("main");
  check(report.includes("Le plan d'action") && report.includes("Former les agents"), "the annual report lists the late action");
  await audit(scripted, base + "/t/sidec-jura/rapport-annuel", "the annual report");

  // On a 390 px phone: the content starts on the first screen and the page
  // never scrolls sideways (issue 18).
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 },
    storageState: await plain.storageState(), javaScriptEnabled: true });
  const small = await phone.newPage();
  for (const path of ["/t/sidec-jura", "/t/sidec-jura/registre", "/t/sidec-jura/suivi",
    "/t/sidec-jura/demandes", "/t/sidec-jura/rapport-annuel", "/t/sidec-jura/suivi/preuves"]) {
    await small.goto(base + path);
    const [width, top] = await small.evaluate(() =>
      [document.documentElement.scrollWidth, document.querySelector("main h1").getBoundingClientRect().top]);
    check(width <= 390, "390 px: " + path + " does not scroll sideways (" + width + " px)");
    check(top < 844 / 2, "390 px: " + path + " starts its content in the first half-screen (" + Math.round(top) + " px)");
  }
} finally {
  await browser.close();
}
