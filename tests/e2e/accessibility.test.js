// An accessibility check of the screens people work in: axe-core (from npm) runs in the page
// on the sign-in page, the clerk's view, the expert's view and the administrator's people
// screen; no serious or critical violation may remain.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startBrowser, signIn, violations } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

test("sign-in, clerk, expert and administrator screens have no serious accessibility problem", async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const login = await context.newPage();
  await login.goto(server.url);
  await login.locator("#username").waitFor();
  assert.deepEqual(await violations(login), [], "sign-in page");
  await context.close();

  const clerk = await signIn(browser, server.url, "clerk.dawan");
  assert.equal(await clerk.evaluate(() => document.activeElement?.textContent), "发起求助", "focus starts at the top of the screen");
  await clerk.selectOption("#item", "C04");
  await clerk.fill("#title", "社保卡密码重置失败");
  await clerk.fill("#body", "群众输错三次密码。");
  await clerk.click("#raise button[type=submit]");
  await clerk.locator("section.chat .request").waitFor();
  assert.deepEqual(await violations(clerk), [], "clerk's view");

  const expert = await signIn(browser, server.url, "expert.jingyuan");
  await expert.locator("#queue li", { hasText: "社保卡密码重置失败" }).click();
  await expert.locator("section.chat .request").waitFor();
  assert.deepEqual(await violations(expert), [], "expert's view");

  const admin = await signIn(browser, server.url, "admin");
  await admin.locator("#people-toggle").click();
  await admin.locator("table.people tr[data-username='clerk.dawan']").waitFor();
  assert.deepEqual(await violations(admin), [], "administrator's people screen");
});
