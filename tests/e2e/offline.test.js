// Weak rural links: the clerk's page loses its connection, three messages wait as pending,
// the page is reloaded while still offline, and when the link returns the expert receives the
// three messages once each, in order, and the clerk's page shows them delivered.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

const OFFLINE_TEXTS = ["断网时写的第一条", "断网时写的第二条", "断网时写的第三条"];

test("messages queued offline survive a reload and arrive once, in order", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  await clerk.selectOption("#item", "S02");
  await clerk.fill("#title", "养老待遇申领提示网络超时");
  await clerk.click("#raise button[type=submit]");
  await expert.locator("#queue li", { hasText: "养老待遇申领提示网络超时" }).click();
  await expert.locator("section.chat button[data-action=claim]").click();
  const clerkChat = clerk.locator("section.chat");
  await clerkChat.locator(".badge", { hasText: "处理中" }).waitFor();
  await clerk.evaluate(() => navigator.serviceWorker.ready.then(() => true));

  await clerk.context().setOffline(true);
  await clerk.locator("#conn[data-state=offline]").waitFor();
  for (const text of OFFLINE_TEXTS) {
    await clerkChat.locator("textarea").fill(text);
    await clerkChat.locator("textarea").press("Enter");
  }
  assert.equal(await clerkChat.locator(".msg.pending .status", { hasText: "发送中" }).count(), 3);
  assert.match(await clerk.locator("#conn").textContent(), /3 条消息待发送/);

  await clerk.reload();
  await clerk.locator("#conn[data-state=offline]").waitFor();
  const pending = clerk.locator("section.chat .msg.pending .text");
  await pending.nth(2).waitFor();
  assert.deepEqual(await pending.allTextContents(), OFFLINE_TEXTS);
  await clerk.screenshot({ path: join(shots, "8-clerk-offline-after-reload.png") });

  await clerk.context().setOffline(false);
  await clerk.locator("#conn[data-state=connected]").waitFor();
  const delivered = clerk.locator("section.chat .msg.mine .status", { hasText: "已送达" });
  await delivered.nth(2).waitFor();
  assert.equal(await clerk.locator("section.chat .msg.pending").count(), 0);
  assert.doesNotMatch(await clerk.locator("#conn").textContent(), /待发送/);

  const expertChat = expert.locator("section.chat");
  await expertChat.locator(".msg", { hasText: OFFLINE_TEXTS[2] }).waitFor();
  const received = (await expertChat.locator(".msg .text").allTextContents()).filter((t) => OFFLINE_TEXTS.includes(t));
  assert.deepEqual(received, OFFLINE_TEXTS, "once each, in order");
  await clerk.screenshot({ path: join(shots, "9-clerk-back-online.png") });
  await expert.screenshot({ path: join(shots, "10-expert-received-offline-messages.png") });
});
