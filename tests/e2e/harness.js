// Starts a real backstop server with the demo on a fresh SQLite file and port 0, and a
// headless Debian chromium through playwright-core.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const shots = join(root, "tests", "e2e", "screenshots");

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "backstop-e2e-"));
  const bin = process.env.BACKSTOP_BIN ?? join(root, "target", "debug", "backstop");
  const child = spawn(bin, ["serve", "--demo", "--listen", "127.0.0.1:0", "--database-url", `sqlite://${join(dir, "e2e.db")}`], {
    stdio: ["ignore", "pipe", "inherit"],
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

export async function startBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A signed-in page for a demo login, at office-PC size. */
export async function signIn(browser, url, username) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "zh-CN" });
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
