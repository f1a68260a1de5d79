// Noticing work without watching the screen: a new request in the expert's queue chimes (a
// counter on the page shows each chime; the switch in the top bar silences it), and a message
// in a conversation the expert is not looking at raises the count on its row, on its tab and
// in the page title.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

async function raise(clerk, title) {
  await clerk.selectOption("#item", "C04");
  await clerk.fill("#title", title);
  await clerk.click("#raise button[type=submit]");
  await clerk.locator("section.chat h2", { hasText: title }).waitFor();
}

const chimes = (page) => page.evaluate(() => Number(document.documentElement.dataset.chimes ?? 0));

test("new requests chime and unread messages show on the row, the tab and the title", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  assert.equal(await expert.locator("#sound").getAttribute("aria-pressed"), "true", "on for experts");

  await raise(clerk, "社保卡补换进度");
  await expert.locator("#queue li", { hasText: "社保卡补换进度" }).waitFor();
  assert.equal(await chimes(expert), 1);
  await expert.locator("#queue li", { hasText: "社保卡补换进度" }).click();
  await expert.locator("section.chat button[data-action=claim]").click();
  await expert.locator("section.chat .badge", { hasText: "处理中" }).waitFor();

  await raise(clerk, "社保卡激活失败");
  await expert.locator("#queue li", { hasText: "社保卡激活失败" }).click();
  assert.equal(await chimes(expert), 2);

  // The clerk writes in the first request while the expert looks at the second.
  await clerk.locator(".chat-tabs button", { hasText: "社保卡补换进度" }).click();
  const box = clerk.locator("section.chat textarea");
  await box.fill("专家，群众还在窗口等着");
  await box.press("Enter");
  await expert.waitForFunction(() => document.title.startsWith("(1) "));
  await expert.locator("[data-tab=mine]").click();
  await expert.locator("#queue li", { hasText: "社保卡补换进度" }).locator(".unread", { hasText: "1" }).waitFor();
  await expert.locator(".chat-tabs button", { hasText: "社保卡补换进度" }).locator(".unread", { hasText: "1" }).waitFor();
  await expert.screenshot({ path: join(shots, "19-expert-unread.png") });

  await expert.locator("#queue li", { hasText: "社保卡补换进度" }).click();
  await expert.waitForFunction(() => !document.title.startsWith("("));
  assert.equal(await expert.locator("#queue li .unread").count(), 0);

  // Silenced: the next request does not chime.
  await expert.locator("#sound").click();
  assert.equal(await expert.locator("#sound").getAttribute("aria-pressed"), "false");
  await raise(clerk, "社保卡挂失");
  await expert.locator("[data-tab=new]").click();
  await expert.locator("#queue li", { hasText: "社保卡挂失" }).waitFor();
  assert.equal(await chimes(expert), 2);
});
