// The console over a slow rural link, measured: Debian's chromium reaches the server through a
// TCP proxy that holds every byte for 200 ms each way (400 ms round trip) and lets through
// 400 kbit/s in each direction, shared by all connections like one real link. Reports, for
// the sign-in page and the clerk's view (signed in), cold (empty cache, no service worker) and
// warm (the same browser again): requests and bytes over the link, and the time from
// navigation to usable (the form on screen and the clerk's requests listed) and to the live
// connection being up. Run: node slowlink.bench.js [runs]  (BACKSTOP_BIN picks the binary).

import net from "node:net";
import { startServer, startBrowser } from "./harness.js";

const ONE_WAY_MS = 200;
const BYTES_PER_MS = 400_000 / 8 / 1000; // 400 kbit/s

/** One direction of the link: chunks leave in order, no faster than the rate, each late by the latency. */
class Direction {
  constructor() { this.free = 0; this.bytes = 0; this.text = ""; }
  send(chunk, deliver) {
    const now = performance.now();
    const start = Math.max(now, this.free);
    this.free = start + chunk.length / BYTES_PER_MS;
    this.bytes += chunk.length;
    setTimeout(() => deliver(chunk), this.free + ONE_WAY_MS - now);
  }
}

function slowProxy(target) {
  const up = new Direction(), down = new Direction();
  const requests = [];
  let since = performance.now();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    client.on("data", (c) => {
      for (const m of c.toString("latin1").matchAll(/^(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) HTTP\/1\.1\r\n/gm)) requests.push(`${Math.round(performance.now() - since)} ms ${m[1]} ${m[2]}`);
      up.send(c, (d) => upstream.write(d));
    });
    upstream.on("data", (c) => down.send(c, (d) => client.write(d)));
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on("close", () => setTimeout(() => upstream.end(), ONE_WAY_MS));
    upstream.on("close", () => setTimeout(end, ONE_WAY_MS));
    client.on("error", end);
    upstream.on("error", end);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    reset() { up.bytes = 0; down.bytes = 0; requests.length = 0; since = performance.now(); },
    stats() { return { requests: [...requests], bytesDown: down.bytes, bytesUp: up.bytes }; },
    close() { server.close(); },
  })));
}

async function measure(page, url, ready) {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(ready, null, { timeout: 60000, polling: 20 });
  const ms = await page.evaluate(() => Math.round(performance.now()));
  if (ready !== clerkReady) return ms;
  await page.waitForFunction(connected, null, { timeout: 60000, polling: 20 });
  return { ms, live: await page.evaluate(() => Math.round(performance.now())) };
}

// Usable: the request form is on screen and the clerk's own requests are listed.
const clerkReady = () => {
  const form = document.querySelector("#raise");
  const list = document.querySelector("ul.tickets[data-loaded=true]");
  return Boolean(form && form.offsetParent && list);
};
const connected = () => Boolean(document.querySelector("#conn[data-state=connected]"));
const loginReady = () => Boolean(document.querySelector("#username")?.offsetParent);

async function run(browser, link, server) {
  const out = {};
  // Sign-in page, cold.
  let context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  let page = await context.newPage();
  link.reset();
  out.loginCold = { ms: await measure(page, link.url, loginReady), ...summary(link.stats()) };
  await context.close();

  // The clerk's view, signed in: cold, then warm (after the page had time to settle).
  context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const response = await context.request.post(`${server.url}/api/session`, {
    data: { username: "clerk.dawan", password: "backstop" },
    headers: { "x-requested-with": "backstop" },
  });
  if (!response.ok()) throw new Error(`sign-in: ${response.status()}`);
  const cookies = (await context.cookies(server.url)).map((c) => ({ ...c, domain: "127.0.0.1" }));
  await context.clearCookies();
  await context.addCookies(cookies);
  page = await context.newPage();
  link.reset();
  out.clerkCold = { ...await measure(page, link.url, clerkReady), ...summary(link.stats()) };
  await page.waitForTimeout(8000);
  await page.close();
  page = await context.newPage();
  link.reset();
  out.clerkWarm = { ...await measure(page, link.url, clerkReady), ...summary(link.stats()) };
  await context.close();
  return out;
}

function summary(s) {
  return { requests: s.requests.length, kbDown: +(s.bytesDown / 1024).toFixed(1), kbUp: +(s.bytesUp / 1024).toFixed(1), paths: s.requests };
}

const runs = Number(process.argv[2] ?? 3);
const server = await startServer();
const target = new URL(server.url);
const link = await slowProxy({ host: target.hostname, port: Number(target.port) });
const browser = await startBrowser();
const results = [];
try {
  for (let i = 0; i < runs; i++) results.push(await run(browser, link, server));
} finally {
  await browser.close();
  link.close();
  server.stop();
}
for (const key of ["loginCold", "clerkCold", "clerkWarm"]) {
  const ms = results.map((r) => r[key].ms).sort((a, b) => a - b);
  const last = results.at(-1)[key];
  const live = results.map((r) => r[key].live).filter(Boolean).sort((a, b) => a - b);
  const connected = live.length ? `; connected at median ${live[Math.floor(live.length / 2)]} ms` : "";
  console.log(`${key}: usable at median ${ms[Math.floor(ms.length / 2)]} ms (runs ${ms.join(", ")})${connected}; ${last.requests} requests, ${last.kbDown} KiB down, ${last.kbUp} KiB up`);
  if (process.env.VERBOSE) console.log(`  ${last.paths.join("\n  ")}`);
}
