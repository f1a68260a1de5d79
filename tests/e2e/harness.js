// Starts a real backstop server with the demo on a fresh SQLite file and port 0, and a
// headless Debian chromium through playwright-core.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const shots = join(root, "tests", "e2e", "screenshots");

/** A server on a fresh database; `env` adds to its environment (BACKSTOP_TEST_CLOCK=1 gives a
 * debug build a clock the test moves with `advanceClock`). */
export async function startServer({ env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "backstop-e2e-"));
  const bin = process.env.BACKSTOP_BIN ?? join(root, "target", "debug", "backstop");
  const child = spawn(bin, ["serve", "--demo", "--listen", "127.0.0.1:0", "--database-url", `sqlite://${join(dir, "e2e.db")}`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  const url = await new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`backstop exited with ${code} before listening`)));
  });
  return {
    url,
    stop: () => {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Moves a test server's clock on by `ms` (see `startServer`). */
export async function advanceClock(server, ms) {
  const r = await fetch(`${server.url}/api/test/clock`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advance_ms: ms }),
  });
  if (!r.ok) throw new Error(`the clock did not move: ${r.status}`);
}

/** A JSON API call from a signed-in page, as the console makes it. */
export async function call(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const r = await fetch(p, { method: m, headers: { "content-type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, [method, path, body]);
}

export async function startBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A signed-in page for a demo login, at office-PC size or (`phone`) a phone's 390×844. */
export async function signIn(browser, url, username, { phone = false } = {}) {
  const size = phone ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : { viewport: { width: 1366, height: 768 } };
  const context = await browser.newContext({ ...size, locale: "zh-CN" });
  const page = await context.newPage();
  page.on("pageerror", (e) => { throw e; });
  // Every WebSocket frame the page receives, for checking what reached this person at all.
  page.wsFrames = [];
  page.on("websocket", (ws) => ws.on("framereceived", (f) => page.wsFrames.push(String(f.payload))));
  await page.goto(url);
  await page.fill("#username", username);
  await page.fill("#password", "backstop");
  await page.click("form.login button[type=submit]");
  await page.locator("#conn[data-state=connected]").waitFor();
  return page;
}

/** Asserts nothing scrolls sideways and every visible control lies within the screen's width. */
export async function assertFits(page, where) {
  const problems = await page.evaluate(() => {
    const width = window.innerWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width) out.push(`page is ${document.documentElement.scrollWidth}px wide`);
    for (const node of document.querySelectorAll("button, input, select, textarea, a, [role=tab]")) {
      const r = node.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(node).visibility === "hidden") continue;
      if (r.left < -1 || r.right > width + 1) out.push(`${node.tagName} "${(node.textContent || node.id || node.name).trim().slice(0, 20)}" spans ${Math.round(r.left)}–${Math.round(r.right)}`);
    }
    return out;
  });
  if (problems.length) throw new Error(`${where}: ${problems.join("; ")}`);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function violations(page) {
  await page.evaluate(AXE); // evaluated by the browser directly: the page's CSP does not apply
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  return found;
}
