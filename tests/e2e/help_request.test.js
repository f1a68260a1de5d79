// The core story in two real browser contexts: the 大湾乡 clerk raises a request, the 泾源县
// expert sees it arrive without reloading, claims it, they chat both ways, the expert resolves
// and the clerk sees it resolved.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

test("a clerk's help request reaches the county expert live and is resolved", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const clerk = await signIn(browser, server.url, "clerk.dawan");

  // The interface speaks Chinese.
  assert.equal(await clerk.locator("#conn").textContent(), "已连接");
  await clerk.getByRole("heading", { name: "发起求助" }).waitFor();
  await clerk.getByRole("heading", { name: /我的求助/ }).waitFor();
  await expert.getByRole("tab", { name: /待受理/ }).waitFor();
  await expert.screenshot({ path: join(shots, "1-expert-queue-empty.png") });

  await clerk.selectOption("#item", "C04");
  await clerk.fill("#title", "社保卡密码重置失败");
  await clerk.fill("#body", "群众输错三次密码，卡被锁定，系统提示“状态异常”。");
  await clerk.click("#raise button[type=submit]");
  const clerkChat = clerk.locator("section.chat");
  await clerkChat.locator(".badge", { hasText: "待受理" }).waitFor();
  await clerk.screenshot({ path: join(shots, "2-clerk-raised.png") });

  // Arrives in the expert's queue without a reload.
  const row = expert.locator("#queue li", { hasText: "社保卡密码重置失败" });
  await row.waitFor();
  assert.match(await row.textContent(), /大湾乡/);
  assert.match(await row.textContent(), /社会保障卡密码重置/);
  assert.equal(await expert.locator("[data-tab=new] .count").textContent(), "1");
  await expert.screenshot({ path: join(shots, "3-expert-sees-request.png") });
  await row.click();
  await expert.locator("section.chat button[data-action=claim]", { hasText: "认领" }).click();
  await expert.locator("section.chat .badge", { hasText: "处理中" }).waitFor();
  await clerkChat.locator(".badge", { hasText: "处理中" }).waitFor();

  // Both ways, live.
  await clerkChat.locator("textarea").fill("专家您好，这张卡怎么解锁？");
  await clerkChat.locator("textarea").press("Enter");
  await clerkChat.locator(".msg.mine .status", { hasText: "已送达" }).waitFor();
  const expertChat = expert.locator("section.chat");
  await expertChat.locator(".msg", { hasText: "这张卡怎么解锁" }).waitFor();
  await expertChat.locator("textarea").fill("请群众携带身份证到窗口，在社保卡服务中选择“解锁”。");
  await expertChat.locator("button.send").click();
  await clerkChat.locator(".msg", { hasText: "携带身份证" }).waitFor();
  assert.match(await clerkChat.locator("header .meta").textContent(), /杨志刚/);
  await clerk.screenshot({ path: join(shots, "4-clerk-chat.png") });

  expert.once("dialog", (d) => d.accept());
  await expertChat.locator("button[data-action=resolve]", { hasText: "办结" }).click();
  await clerkChat.locator(".badge", { hasText: "已办结" }).waitFor();
  await clerkChat.locator(".event", { hasText: "已办结" }).waitFor();
  await clerk.locator("ul.tickets li", { hasText: "社保卡密码重置失败" }).locator(".badge", { hasText: "已办结" }).waitFor();
  await expert.screenshot({ path: join(shots, "5-expert-resolved.png") });
  await clerk.screenshot({ path: join(shots, "6-clerk-sees-resolved.png") });
});

test("the console is in Chinese by default and switches to English", async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByRole("heading", { name: "登录" }).waitFor();
  await page.fill("#username", "clerk.dawan");
  await page.fill("#password", "wrong-password");
  await page.press("#password", "Enter");
  await page.locator(".error", { hasText: "用户名或密码不正确" }).waitFor();
  await page.click("#lang");
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.fill("#username", "expert.jingyuan");
  await page.fill("#password", "backstop");
  await page.press("#password", "Enter");
  await page.getByRole("tab", { name: /Unclaimed/ }).waitFor();
  // The badge reads in English once the live channel is up (it may still be connecting here).
  await page.locator("#conn[data-state=connected]", { hasText: "Connected" }).waitFor();
  await page.screenshot({ path: join(shots, "7-english.png") });
  await page.click("#lang");
  await page.getByRole("tab", { name: /待受理/ }).waitFor();
  await context.close();
});
