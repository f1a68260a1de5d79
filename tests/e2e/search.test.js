// Finding an old ticket: the region's supervisor searches by township and service item, finds
// the resolved request among others, and opens it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

async function raise(clerk, item, title) {
  await clerk.selectOption("#item", item);
  await clerk.fill("#title", title);
  await clerk.click("#raise button[type=submit]");
  await clerk.locator("section.chat h2", { hasText: title }).waitFor();
}

test("a resolved ticket is found by township and item", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const dawan = await signIn(browser, server.url, "clerk.dawan");
  const xixia = await signIn(browser, server.url, "clerk.zhenbeibao");
  await raise(dawan, "C04", "社保卡密码又被锁了");
  await raise(dawan, "S02", "养老待遇申领材料");
  await raise(xixia, "C04", "镇北堡社保卡密码");
  await expert.locator("#queue li", { hasText: "社保卡密码又被锁了" }).click();
  await expert.locator("section.chat button[data-action=claim]").click();
  expert.once("dialog", (d) => d.accept());
  await expert.locator("section.chat button[data-action=resolve]").click();
  await expert.locator("section.chat .badge", { hasText: "已办结" }).waitFor();

  const boss = await signIn(browser, server.url, "supervisor.region");
  // Supervisors start on their board; the tickets are one click away.
  await boss.locator(".board-panel").waitFor();
  await boss.click("#board-toggle");
  await boss.locator("[data-tab=find]").click();
  await boss.locator("#find-unit").fill("大湾乡");
  await boss.selectOption("#find-item", "C04");
  await boss.locator("form.find button[type=submit]").click();
  const results = boss.locator("#find-results li");
  await boss.locator(".find-status", { hasText: "找到 1 条" }).waitFor();
  assert.equal(await results.count(), 1);
  assert.match(await results.first().textContent(), /社保卡密码又被锁了/);
  assert.match(await results.first().textContent(), /已办结/);
  await boss.screenshot({ path: join(shots, "26-supervisor-search.png") });
  await results.first().click();
  await boss.locator("section.chat .badge", { hasText: "已办结" }).waitFor();
  await boss.locator("section.chat .event", { hasText: "杨志刚 已办结" }).waitFor();
});
