// A township security officer reads the audit trail of their own area in the console: who
// signed in, from where, and can download it as CSV. At office-PC and phone size.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

test("a security officer reads their area's audit trail and exports it", async () => {
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  const officer = await signIn(browser, server.url, "officer.dawan");
  const toggle = officer.locator("#audit-toggle");
  await toggle.waitFor();
  await toggle.click();
  const rows = officer.locator("table.audit tbody tr");
  await rows.first().waitFor();
  const text = await officer.locator("table.audit").textContent();
  assert.match(text, /clerk\.dawan/);
  assert.match(text, /登录/);
  assert.doesNotMatch(text, /clerk\.zhenbeibao/);
  await officer.selectOption("select[name=kind]", "sign_in");
  await officer.fill("input[name=actor]", "clerk.dawan");
  await officer.click(".audit-filters button[type=submit]");
  await officer.waitForFunction(() => [...document.querySelectorAll("table.audit tbody tr")]
    .every((r) => r.textContent.includes("clerk.dawan")));
  const href = await officer.locator("a.button", { hasText: "导出 CSV" }).getAttribute("href");
  assert.match(href, /^\/api\/audit\.csv\?actor=clerk\.dawan&kind=sign_in/);
  const csv = await officer.evaluate(async (h) => Array.from(new Uint8Array(await (await fetch(h)).arrayBuffer())), href);
  assert.deepEqual(csv.slice(0, 3), [0xef, 0xbb, 0xbf], "UTF-8 with a byte-order mark");
  assert.match(Buffer.from(csv).toString("utf8"), /id,at,kind,actor/);
  await officer.screenshot({ path: join(shots, "12-officer-audit.png") });
  await officer.setViewportSize({ width: 390, height: 844 });
  await officer.screenshot({ path: join(shots, "13-officer-audit-phone.png") });
  await toggle.click();
  await officer.locator("#queue").waitFor();
  // A clerk has no audit trail to read.
  assert.equal(await clerk.locator("#audit-toggle").isHidden(), true);
});
