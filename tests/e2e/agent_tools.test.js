// Every role works the same ticket from its own screen: the expert sees the clerk's request
// whole (details and screenshot), answers with a canned reply, leaves an internal note and
// transfers it to the city's expert, who receives it live; the county supervisor sees the
// claimed ticket under its township, reads the note and resolves it; the clerk never sees the
// note, on the page or in any frame; the security officer follows without a message box.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

// A 2×2 red PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==",
  "base64",
);
const TITLE = "养老待遇认证刷脸失败";
const DETAILS = "群众七十八岁，刷脸三次都提示“活体检测未通过”，已经换过手机。";
const NOTE = "内部：此人上月已线下认证，系统未同步，先别让群众再跑";

test("each role works one ticket from its own screen", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const city = await signIn(browser, server.url, "expert.guyuan");
  const clerk = await signIn(browser, server.url, "clerk.dawan");

  await clerk.selectOption("#item", "S03");
  await clerk.fill("#title", TITLE);
  await clerk.fill("#body", DETAILS);
  await clerk.locator("#file").setInputFiles({ name: "face.png", mimeType: "image/png", buffer: PNG });
  await clerk.click("#raise button[type=submit]");
  await clerk.locator("section.chat .msg.mine .status", { hasText: "已送达" }).waitFor();

  // The expert sees what the clerk wrote and attached, before claiming.
  await expert.locator("#queue li", { hasText: TITLE }).click();
  const chat = expert.locator("section.chat");
  await chat.locator(".request", { hasText: DETAILS }).waitFor();
  await chat.locator(".request", { hasText: "马小兰" }).waitFor();
  await expert.waitForFunction(() => document.querySelector("section.chat .msg img")?.naturalWidth === 2);
  assert.equal(await chat.locator(".composer").isVisible(), true, "a note box before claiming");
  assert.equal(await chat.locator(".composer.note-mode").count(), 1, "only a note until claimed");
  await chat.locator("button[data-action=claim]").click();
  await chat.locator(".badge", { hasText: "处理中" }).waitFor();
  assert.equal(await chat.locator(".composer.note-mode").count(), 0, "a reply once claimed");

  // A canned reply with "/".
  const box = chat.locator("textarea");
  await box.click();
  await box.pressSequentially("/证");
  await chat.locator("ul.replies li", { hasText: "请群众带证件" }).waitFor();
  await box.press("Enter");
  assert.match(await box.inputValue(), /身份证原件/);
  await box.press("Enter");
  await clerk.locator("section.chat .msg", { hasText: "身份证原件" }).waitFor();

  // The group's replies: add one, insert it.
  await chat.locator("button.replies-button").click();
  const manage = expert.locator("dialog");
  await manage.locator("#reply-shortcut").fill("代办");
  await manage.locator("#reply-title").fill("亲情代办认证");
  await manage.locator("#reply-body").fill("可以用“宁夏人社”App 的亲情代办，帮老人刷脸认证。");
  await manage.locator("button[type=submit]").click();
  await manage.locator("li[data-shortcut='代办'] button", { hasText: "插入" }).click();
  assert.match(await box.inputValue(), /亲情代办/);
  await box.fill("");

  // An internal note.
  await chat.locator("button[data-mode=note]").click();
  await box.fill(NOTE);
  await box.press("Enter");
  await chat.locator(".msg.internal .status", { hasText: "已送达" }).waitFor();
  await expert.screenshot({ path: join(shots, "14-expert-request-note.png") });

  // The supervisor: all open tickets of the county by unit; the note; the buttons they have.
  const boss = await signIn(browser, server.url, "supervisor.jingyuan");
  // Supervisors start on their board; the tickets are one click away.
  await boss.locator(".board-panel").waitFor();
  await boss.click("#board-toggle");
  await boss.locator("[data-tab=open]").click();
  await boss.locator("#queue li.group", { hasText: "大湾乡" }).waitFor();
  await boss.locator("#queue li", { hasText: TITLE }).click();
  const bossChat = boss.locator("section.chat");
  await bossChat.locator(".msg.internal", { hasText: NOTE }).waitFor();
  await bossChat.locator("button[data-action=resolve]").waitFor();

  // The officer follows: no message box, no buttons.
  const officer = await signIn(browser, server.url, "officer.jingyuan");
  // Officers start on the responsibility matrix; the tickets are one click back.
  await officer.locator(".matrix-panel").waitFor();
  await officer.click("#matrix-toggle");
  await officer.locator("[data-tab=open]").click();
  await officer.locator("#queue li", { hasText: TITLE }).click();
  const officerChat = officer.locator("section.chat");
  await officerChat.locator(".read-only").waitFor();
  assert.equal(await officerChat.locator("textarea").isVisible(), false);
  assert.equal(await officerChat.locator("header .actions button").count(), 0);
  await officerChat.locator(".msg.internal", { hasText: NOTE }).waitFor();
  await officer.screenshot({ path: join(shots, "15-officer-follows.png") });

  // Transfer to the city's expert, who receives it live.
  await chat.locator("button[data-action=transfer]").click();
  const dialog = expert.locator("dialog.transfer");
  await dialog.locator("label", { hasText: "海燕" }).click();
  await dialog.locator("#transfer-reason").fill("需要市级系统核实认证记录");
  await expert.screenshot({ path: join(shots, "16-transfer-dialog.png") });
  await dialog.locator("button[type=submit]").click();
  await city.locator("[data-tab=mine] .count", { hasText: "1" }).waitFor();
  await city.locator("[data-tab=mine]").click();
  await city.locator("#queue li", { hasText: TITLE }).click();
  await city.locator("section.chat .event", { hasText: "需要市级系统核实认证记录" }).waitFor();
  await city.locator("section.chat button[data-action=resolve]").waitFor();

  // The supervisor resolves it.
  boss.once("dialog", (d) => d.accept());
  await bossChat.locator("button[data-action=resolve]").click();
  await bossChat.locator(".badge", { hasText: "已办结" }).waitFor();
  await clerk.locator("section.chat .badge", { hasText: "已办结" }).waitFor();
  await boss.screenshot({ path: join(shots, "17-supervisor-resolved.png") });

  // The clerk never saw the note: not on the page, not in any frame received.
  assert.equal(await clerk.locator(".msg.internal").count(), 0);
  assert.ok(!(await clerk.locator("main").textContent()).includes(NOTE));
  assert.ok(clerk.wsFrames.some((f) => f.includes("身份证原件")), "the clerk's frames were recorded");
  assert.ok(!clerk.wsFrames.some((f) => f.includes(NOTE)), "no frame carried the note");
  await clerk.screenshot({ path: join(shots, "18-clerk-resolved-no-note.png") });
});
