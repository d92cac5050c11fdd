// The banner's weight and time to its first choice (C36), beside Orejime
// and tarteaucitron.js from npm, side by side in Debian's Chromium. Each
// page declares the same two purposes (audience measurement, videos).
// All three host pages are served by the same local server, each with its
// banner's tags in <head> as its documentation says; Vigie's come from the
// running Vigie (another origin, as on a commune's site).
// Weight: every script and stylesheet the banner fetches, gzipped (-9).
// Time: from navigation start until its "refuse all" button is laid out
// and styled (width > 0, its stylesheet applied), noted in the page on
// each DOM change and frame, the median of 15 loads in fresh contexts, the three taking turns.
// Usage: node banner_bench.mjs http://127.0.0.1:18089   (a running demo)
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join, extname } from "node:path";
import { fileURLToPath } from "node:url";

const vigie = process.argv[2];
const demo = await (await fetch(vigie + "/p/sidec-jura/site-demo")).text();
const key = demo.match(/\/c\/([0-9a-f]+)\/banner\.js/)[1];
const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");
const pages = {
  "/vigie.html": `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Vigie</title>
<link rel="stylesheet" href="${vigie}/c/${key}/banner.css">
<script src="${vigie}/c/${key}/banner.js" defer></script></head><body><main><h1>Vigie</h1></main></body></html>`,
  "/orejime.html": `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Orejime</title>
<link rel="stylesheet" href="/m/orejime/dist/orejime-standard.css">
<script>window.orejimeConfig = { privacyPolicyUrl: "/p", lang: "fr", purposes: [
  { id: "matomo", title: "Mesure d'audience", cookies: ["_pk_id"] },
  { id: "youtube", title: "Vidéos YouTube" } ] };</script>
<script src="/m/orejime/dist/orejime-standard-fr.js"></script></head><body><main><h1>Orejime</h1></main></body></html>`,
  "/tarteaucitron.html": `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>tarteaucitron</title>
<script src="/m/tarteaucitronjs/tarteaucitron.js"></script>
<script>tarteaucitron.init({ privacyUrl: "/p", orientation: "bottom", DenyAllCta: true, AcceptAllCta: true,
  highPrivacy: true, showIcon: true, useExternalCss: false, useExternalJs: false });
  tarteaucitron.user.matomoId = 1; tarteaucitron.user.matomoHost = "/";
  (tarteaucitron.job = tarteaucitron.job || []).push("matomo");
  (tarteaucitron.job = tarteaucitron.job || []).push("youtube");</script></head>
<body><main><h1>tarteaucitron</h1></main></body></html>`,
};
const types = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html" };
const server = createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (pages[path]) { res.writeHead(200, { "content-type": "text/html" }); return res.end(pages[path]); }
  const file = join(modules, path.replace(/^\/m\//, ""));
  if (path.startsWith("/m/") && existsSync(file)) {
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" });
    return res.end(readFileSync(file));
  }
  res.writeHead(404); res.end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const local = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const subjects = [
  ["Vigie", local + "/vigie.html", ".vigie-choice", /\/c\//],
  ["Orejime 3.2.1", local + "/orejime.html", ".orejime-Banner-declineButton", /orejime/],
  ["tarteaucitron.js 1.34.0", local + "/tarteaucitron.html", "#tarteaucitronAllDenied2", /tarteaucitron/],
];
/* One load in a fresh context: when its refuse button was styled, and
   the gzipped size of what the banner fetched. */
async function load([, url, refuse, mine]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript((sel) => {
    const seen = () => {
      const b = document.querySelector(sel);
      // Styled: a stylesheet gave it a background other than the default.
      if (b && b.getBoundingClientRect().width > 0 &&
          getComputedStyle(b).backgroundColor !== "rgb(239, 239, 239)") {
        window.__refuseAt = window.__refuseAt || performance.now();
      }
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true, attributes: true });
    const frame = () => { seen(); if (!window.__refuseAt) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  }, refuse);
  const bodies = [];
  page.on("response", async (r) => {
    const t = r.request().resourceType();
    if ((t === "script" || t === "stylesheet") && mine.test(r.url())) {
      try { bodies.push(await r.body()); } catch { /* redirected */ }
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__refuseAt, null, { timeout: 10000 });
  const at = await page.evaluate(() => window.__refuseAt);
  await page.waitForLoadState("networkidle");
  await context.close();
  return { at, files: bodies.length, bytes: bodies.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0) };
}

const ROUNDS = 15;
try {
  // A first load of each warms the browser and servers; then the three
  // take turns, so that neither order nor drift favours one.
  const first = [];
  for (const s of subjects) first.push(await load(s));
  const times = subjects.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < subjects.length; k++) times[k].push((await load(subjects[k])).at);
  }
  subjects.forEach(([name], k) => {
    const t = times[k].sort((a, b) => a - b);
    const { files, bytes } = first[k];
    console.log(`${name.padEnd(26)} ${String(files).padStart(2)} files  ${(bytes / 1024).toFixed(1).padStart(6)} KB gzipped  refuse button styled after ${t[ROUNDS >> 1].toFixed(0).padStart(4)} ms (median of ${ROUNDS}, ${t[0].toFixed(0)}–${t[ROUNDS - 1].toFixed(0)})`);
  });
} finally {
  await browser.close();
  server.close();
}
