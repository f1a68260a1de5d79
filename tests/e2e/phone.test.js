// A village agent's whole story on a phone (390×844): sign in, raise a request, chat with the
// expert, follow it to resolved — one column, nothing scrolling sideways, every control on
// the screen's width at every step.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, assertFits, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

test("the clerk's whole story fits a phone", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const clerk = await signIn(browser, server.url, "agent.niuying", { phone: true });
  await assertFits(clerk, "signed in");
  await clerk.screenshot({ path: join(shots, "20-phone-clerk-list.png") });

  await clerk.selectOption("#item", "S03");
  await clerk.fill("#title", "老人养老认证不会操作");
  await clerk.fill("#body", "牛营村，老人八十多岁，不会用手机刷脸。");
  await clerk.locator("#raise button[type=submit]").tap();
  const chat = clerk.locator("section.chat");
  await chat.locator(".request", { hasText: "不会用手机刷脸" }).waitFor();
  assert.equal(await clerk.locator("aside.side").isVisible(), false, "one column: the conversation alone");
  await assertFits(clerk, "conversation");

  await expert.locator("#queue li", { hasText: "老人养老认证不会操作" }).click();
  await expert.locator("section.chat button[data-action=claim]").click();
  await chat.locator(".badge", { hasText: "处理中" }).waitFor();
  const box = chat.locator("textarea");
  await box.tap();
  await box.fill("可以由村里帮办代办吗？");
  await chat.locator("button.send").tap();
  await chat.locator(".msg.mine .status", { hasText: "已送达" }).waitFor();
  const expertChat = expert.locator("section.chat");
  await expertChat.locator("textarea").fill("可以，用“宁夏人社”App 的亲情代办，帮老人刷脸。");
  await expertChat.locator("textarea").press("Enter");
  await chat.locator(".msg", { hasText: "亲情代办" }).waitFor();
  await assertFits(clerk, "chatting");
  const composer = await chat.locator("textarea").boundingBox();
  assert.ok(composer && composer.y + composer.height <= 844, "the message box is on screen");
  await clerk.screenshot({ path: join(shots, "21-phone-clerk-chat.png") });

  expert.once("dialog", (d) => d.accept());
  await expertChat.locator("button[data-action=resolve]").click();
  await chat.locator(".badge", { hasText: "已办结" }).waitFor();
  await chat.locator("button.back").tap();
  await clerk.locator("ul.tickets li", { hasText: "老人养老认证不会操作" }).locator(".badge", { hasText: "已办结" }).waitFor();
  await assertFits(clerk, "back to the list");
  await clerk.screenshot({ path: join(shots, "22-phone-clerk-resolved.png") });
});

test("an expert works from a phone too", async () => {
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  const expert = await signIn(browser, server.url, "expert.jingyuan", { phone: true });
  await clerk.selectOption("#item", "C01");
  await clerk.fill("#title", "社保卡申领进度查询");
  await clerk.click("#raise button[type=submit]");
  await expert.locator("#queue li", { hasText: "社保卡申领进度查询" }).tap();
  await expert.locator("section.chat button[data-action=claim]").tap();
  await expert.locator("section.chat .badge", { hasText: "处理中" }).waitFor();
  await assertFits(expert, "expert's conversation");
  await expert.screenshot({ path: join(shots, "27-phone-expert-chat.png") });
  await expert.locator("section.chat button.back").tap();
  await expert.locator("[data-tab=find]").tap();
  await expert.locator("#find-results li", { hasText: "社保卡申领进度查询" }).waitFor();
  await assertFits(expert, "expert's lists");
  await expert.screenshot({ path: join(shots, "28-phone-expert-search.png") });
});
