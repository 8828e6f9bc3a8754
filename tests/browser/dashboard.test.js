// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core, against the real daemon on loopback.
//
// It checks: the page loads with no console error and no request leaving
// 127.0.0.1; numbers change across ticks; charts gain points, and a new
// viewer gets full charts in its first event; after the daemon restarts the
// page reconnects by itself with Last-Event-ID (the daemon answers with a
// "reset") and shows the new daemon's ticks; the three client patterns of
// doc/dashboard.md, served byte for byte, each update; hostile names from the
// tests/data/escape fixture render as text and run nothing. Screenshots
// (desktop 1280x800 and phone 390x844, light and dark) go to OUTDIR.
//
// Environment: DAEMON (the sse-metricsd binary), SRCDIR (the source tree),
// OUTDIR (for screenshots and logs), CHROMIUM (default /usr/bin/chromium).
"use strict";

const { chromium } = require("playwright-core");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const SRCDIR = path.resolve(process.env.SRCDIR || path.join(__dirname, "..", ".."));
const DAEMON = path.resolve(process.env.DAEMON || path.join(SRCDIR, "src", "sse-metricsd"));
const OUTDIR = path.resolve(process.env.OUTDIR || process.cwd());
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const INTERVAL = 0.5;

let failures = 0;
let restarting = false;
let expectedErrors = 0;
let passes = 0;

function ok(cond, what) {
  if (cond) {
    passes++;
    console.log("ok - " + what);
  } else {
    failures++;
    console.log("not ok - " + what);
  }
  return cond;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// The fenced examples of doc/dashboard.md: "<!-- example: NAME -->" first line.
function docExamples() {
  const md = fs.readFileSync(path.join(SRCDIR, "doc", "dashboard.md"), "utf8");
  const out = {};
  const re = /```html\n<!-- example: ([\w.-]+) -->\n([\s\S]*?)```/g;
  let m;
  while ((m = re.exec(md)) !== null) out[m[1]] = m[2];
  return out;
}

class Daemon {
  constructor(dir, port, extra) {
    this.dir = dir;
    this.port = port;
    this.extra = extra || "";
    this.proc = null;
    this.n = 0;
  }

  async start() {
    const conf = path.join(this.dir, "daemon.conf");
    fs.writeFileSync(conf, `listen = 127.0.0.1:${this.port}\ninterval = ${INTERVAL}\n` +
      `webroot = ${path.join(this.dir, "www")}\n${this.extra}`);
    const log = path.join(OUTDIR, `browser-daemon-${++this.n}.log`);
    const fd = fs.openSync(log, "w");
    this.proc = spawn(DAEMON, ["-c", conf], { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    for (let i = 0; i < 100; i++) {
      if (fs.readFileSync(log, "utf8").includes("listening on"))
        return;
      if (this.proc.exitCode !== null)
        break;
      await sleep(50);
    }
    throw new Error(`the daemon did not start; see ${log}:\n` + fs.readFileSync(log, "utf8"));
  }

  async stop() {
    if (this.proc === null || this.proc.exitCode !== null)
      return;
    const done = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    await done;
    this.proc = null;
  }
}

// A page that records console errors, page errors, dialogs and any request
// that is not to the daemon.
async function watchedPage(context, base, problems) {
  const page = await context.newPage();
  page.on("console", (m) => {
    // While the daemon is down on purpose, htmx logs each EventSource error.
    if (m.type() === "error" && restarting && m.text() === "[object Event]") {
      expectedErrors++;
      return;
    }
    if (m.type() === "error")
      problems.push(`console error on ${page.url()}: ${m.text()} ${JSON.stringify(m.location())}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", async (d) => {
    problems.push(`dialog opened (script ran): ${d.message()}`);
    await d.dismiss();
  });
  page.on("response", (r) => {
    if (r.status() >= 400)
      problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith("data:") && !u.startsWith("about:"))
      problems.push(`request off the machine: ${u}`);
  });
  return page;
}

// Points in the first path of a chart (M and L commands).
function chartPoints(page, id) {
  return page.evaluate((id) => {
    const p = document.querySelector(`#${id} svg path`);
    return p ? (p.getAttribute("d").match(/[ML]/g) || []).length : 0;
  }, id);
}

// Mark the node at selector, then wait until a swap has replaced it.
async function waitSwapped(page, selector, what, timeout = 5000) {
  await page.evaluate((sel) => { document.querySelector(sel).__old = true; }, selector);
  try {
    await page.waitForFunction((sel) => {
      const e = document.querySelector(sel);
      return e !== null && e.__old !== true;
    }, selector, { timeout });
    return true;
  } catch (e) {
    ok(false, `${what}: not swapped within ${timeout} ms`);
    return false;
  }
}

const seqOf = (page) => page.evaluate(() => {
  const e = document.querySelector("#daemon .seq");
  return e ? Number(e.textContent) : 0;
});

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sse-browser-"));
  const www = path.join(dir, "www");
  fs.mkdirSync(www);
  for (const f of fs.readdirSync(path.join(SRCDIR, "data", "www")))
    fs.copyFileSync(path.join(SRCDIR, "data", "www", f), path.join(www, f));
  const examples = docExamples();
  ok(["pattern-oob.html", "pattern-named.html", "pattern-chart.html"].every((n) => n in examples),
    "doc/dashboard.md has the three examples");
  for (const [name, text] of Object.entries(examples))
    fs.writeFileSync(path.join(www, name), text);
  fs.mkdirSync(OUTDIR, { recursive: true });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  let daemon = new Daemon(dir, port);
  await daemon.start();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });

    // ---- the page: loads, updates, charts ---------------------------------
    const page = await watchedPage(context, base, problems);
    await page.goto(base);
    await page.waitForSelector("#status[data-state=live]", { timeout: 5000 });
    await page.waitForSelector("#cpu .value", { timeout: 5000 });
    ok(true, "the page goes live and shows the CPU card");
    for (const id of ["host", "cpu", "memory", "swap", "load", "system", "network", "disks",
      "filesystems", "pressure", "temperatures", "daemon"]) {
      const n = await page.evaluate((id) => document.getElementById(id).children.length, id);
      ok(n > 1, `card #${id} has content (${n} elements)`);
    }
    for (const id of ["chart-cpu", "chart-memory", "chart-network", "chart-disk"]) {
      const t = await page.evaluate((id) => {
        const svg = document.querySelector(`#${id} svg`);
        return svg ? svg.querySelector("title").textContent + " | " +
          Array.from(svg.querySelectorAll(".axis text")).map((x) => x.textContent).join(" ") : "";
      }, id);
      ok(/ last \d+ s: /.test(t) && /(%|B\/s|[KMG]iB)/.test(t), `#${id} has a title and axis units: ${t.slice(0, 90)}`);
    }

    const seq1 = await seqOf(page);
    const uptime1 = await page.textContent("#host .uptime");
    const points1 = await chartPoints(page, "chart-cpu");
    await page.waitForFunction((s) => Number(document.querySelector("#daemon .seq").textContent) >= s + 2,
      seq1, { timeout: 5000 });
    await page.waitForFunction((u) => document.querySelector("#host .uptime").textContent !== u,
      uptime1, { timeout: 5000 });
    const seq2 = await seqOf(page);
    const points2 = await chartPoints(page, "chart-cpu");
    ok(seq2 >= seq1 + 2, `the tick number changes across two ticks (${seq1} -> ${seq2})`);
    ok(true, `the uptime changes (${uptime1} -> ${await page.textContent("#host .uptime")})`);
    ok(points2 > points1, `the CPU chart gains points (${points1} -> ${points2})`);

    // A new viewer gets the whole window in its first event.
    const late = await watchedPage(context, base, problems);
    await late.goto(base);
    await late.waitForSelector("#chart-cpu svg path", { timeout: 5000 });
    const latePoints = await chartPoints(late, "chart-cpu");
    ok(latePoints >= points2, `a new viewer's first chart already has ${latePoints} points (>= ${points2})`);
    await late.close();

    // ---- screenshots, light and dark, desktop and phone -------------------
    await sleep(1500);
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await sleep(300);
      await page.screenshot({ path: path.join(OUTDIR, `dashboard-desktop-${scheme}.png`), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await sleep(300);
      await page.screenshot({ path: path.join(OUTDIR, `dashboard-phone-${scheme}.png`), fullPage: true });
      await page.screenshot({ path: path.join(OUTDIR, `dashboard-phone-${scheme}-top.png`) });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      ok(overflow <= 390, `no horizontal scrolling at phone width, ${scheme} (${overflow} px)`);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 1280, height: 800 });

    // ---- the three patterns of doc/dashboard.md -----------------------------
    {
      const p = await watchedPage(context, base, problems);
      await p.goto(base + "pattern-oob.html");
      await p.waitForSelector("#cpu h2", { timeout: 5000 });
      if (await waitSwapped(p, "#cpu", "pattern 1 (oob)") && await waitSwapped(p, "#chart-cpu", "pattern 1 (oob chart)"))
        ok(await p.evaluate(() => document.querySelector("#memory .value") !== null &&
          document.querySelector("#chart-disk svg") !== null), "pattern 1: every card updates in place");
      await p.close();
    }
    {
      const p = await watchedPage(context, base, problems);
      await p.goto(base + "pattern-named.html");
      await p.waitForSelector("#my-cpu h2", { timeout: 5000 });
      if (await waitSwapped(p, "#my-cpu h2", "pattern 2 (cpu)") && await waitSwapped(p, "#my-memory h2", "pattern 2 (memory)"))
        ok(await p.evaluate(() => document.querySelector("#my-cpu .value").textContent.includes("%") &&
          document.querySelector("#my-memory .value").textContent.includes("iB")), "pattern 2: named events update their cards");
      await p.close();
    }
    {
      const p = await watchedPage(context, base, problems);
      await p.goto(base + "pattern-chart.html");
      await p.waitForSelector("#cpu-chart svg", { timeout: 5000 });
      if (await waitSwapped(p, "#cpu-chart svg", "pattern 3 (chart)"))
        ok(await p.evaluate(() => document.querySelector("#cpu-chart svg title").textContent.startsWith("CPU")),
          "pattern 3: a plain EventSource swaps the chart in");
      await p.close();
    }

    // ---- restart: the page reconnects with Last-Event-ID and resumes ------
    const before = await seqOf(page);
    restarting = true;
    await daemon.stop();
    await page.waitForSelector("#status[data-state=reconnecting]", { timeout: 5000 });
    ok(true, "the indicator says reconnecting when the daemon is gone");
    await sleep(500);
    await daemon.start();
    const newFirst = await (await fetch(base + "api/snapshot")).json();
    await page.waitForFunction((s) => Number(document.querySelector("#daemon .seq").textContent) >= s,
      newFirst.seq, { timeout: 15000 }).catch(() => {});
    const after = await seqOf(page);
    ok(after >= newFirst.seq, `after the restart the page shows the new daemon's ticks (${before} -> ${after}, new daemon from ${newFirst.seq})`);
    ok(await page.getAttribute("#status", "data-state") === "live", "the indicator is live again");
    ok(Number(await page.getAttribute("#status", "data-resets") || 0) >= 1,
      "the browser reconnected with Last-Event-ID (the daemon answered it with a reset)");
    await page.waitForFunction((s) => Number(document.querySelector("#daemon .seq").textContent) >= s + 2,
      after, { timeout: 5000 }).catch(() => {});
    ok(await seqOf(page) >= after + 2, "and it keeps updating");
    restarting = false;
    console.log(`# htmx logged ${expectedErrors} EventSource errors while the daemon was down`);
    await page.close();

    // ---- hostile names from the escape fixture ------------------------------
    await daemon.stop();
    daemon = new Daemon(dir, port, `procfs = ${path.join(SRCDIR, "tests/data/escape/proc")}\n` +
      `sysfs = ${path.join(SRCDIR, "tests/data/escape/sys")}\n`);
    await daemon.start();
    const esc = await watchedPage(context, base, problems);
    await esc.addInitScript(() => { window.alert = () => { window.__alerted = true; }; });
    await esc.goto(base);
    await esc.waitForSelector("#network table", { timeout: 5000 });
    const host = (await esc.textContent("#host .hostname")).trim();
    ok(host === "<script>alert(\"x\")&'</script>", `the hostile hostname is shown as text: ${host}`);
    const ifaces = await esc.$$eval("#network tbody th", (ths) => ths.map((t) => t.textContent));
    ok(ifaces.includes("<script>alert(1)</script>"), `the hostile interface name is shown as text: ${JSON.stringify(ifaces)}`);
    ok(ifaces.includes("a\"b&c'd"), "quotes and ampersands survive");
    const scripts = await esc.$$eval("script", (s) => s.length);
    ok(scripts === 3, `no script element was injected (${scripts} on the page)`);
    ok(!(await esc.evaluate(() => window.__alerted === true)), "no injected script ran");
    await esc.screenshot({ path: path.join(OUTDIR, "dashboard-escape.png"), fullPage: true });
    await esc.close();
  } finally {
    await browser.close();
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const p of problems)
    ok(false, p);
  ok(problems.length === 0, "no console errors, page errors, dialogs or off-machine requests");
  console.log(`# ${passes} passed, ${failures} failed; screenshots in ${OUTDIR}`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log("not ok - " + (e && e.stack ? e.stack : e));
  process.exit(1);
});
