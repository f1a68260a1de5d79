// The knowledge base in the console: an expert resolves a clerk's request and writes it into
// the knowledge base from the conversation; the next clerk typing a two-character word of the
// same problem is offered it, reads it in place, says it solved the problem, and the form
// closes with no request raised — at office-PC size and on a phone, where cancelling the form
// after reading counts the same way. Everyone finds it again in the 知识库 screen.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, startBrowser, signIn, assertFits, violations, shots } from "./harness.js";

let server, browser;
before(async () => { server = await startServer(); browser = await startBrowser(); });
after(async () => { await browser?.close(); server?.stop(); });

const TITLE = "社保卡密码输错三次被锁定";
const ANSWER = "请群众本人带身份证和社保卡到窗口，在系统“社保卡服务-密码解锁”中先解锁，再在密码器上重设 6 位密码。";
const QUESTION = "社保卡密码被锁定怎么办";

/** The article's counts, as the server has them. */
async function article(page, id) {
  return page.evaluate(async (id) => (await (await fetch(`/api/knowledge/${id}`)).json()).article, id);
}

test("an answer written from a resolved ticket saves the next clerk a request", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const first = await signIn(browser, server.url, "clerk.dawan");

  // A clerk asks; the expert answers and resolves.
  await first.selectOption("#item", "C04");
  await first.fill("#title", TITLE);
  await first.fill("#body", "群众忘记密码，连续输错三次。");
  await first.click("#raise button[type=submit]");
  await first.locator("section.chat .request", { hasText: "连续输错三次" }).waitFor();
  await expert.locator("#queue li", { hasText: TITLE }).click();
  const chat = expert.locator("section.chat");
  await chat.locator("button[data-action=claim]").click();
  await chat.locator(".badge", { hasText: "处理中" }).waitFor();
  await chat.locator("textarea").fill(ANSWER);
  await chat.locator("textarea").press("Enter");
  await chat.locator(".msg.mine .status", { hasText: "已送达" }).waitFor();
  expert.once("dialog", (d) => d.accept());
  await chat.locator("button[data-action=resolve]").click();
  await chat.locator(".badge", { hasText: "已办结" }).waitFor();

  // The expert writes it into the knowledge base: question and answer come prefilled.
  await chat.locator("button[data-action=article]").click();
  const dialog = expert.locator("dialog.kb-dialog");
  assert.match(await dialog.locator("#kb-question").inputValue(), new RegExp(`^${TITLE}\n`));
  assert.equal(await dialog.locator("#kb-answer").inputValue(), ANSWER, "the expert's own answer");
  assert.equal(await dialog.locator("#kb-item").inputValue(), "C04");
  await dialog.locator("#kb-question").fill(QUESTION);
  await expert.screenshot({ path: join(shots, "40-expert-writes-article.png") });
  await dialog.locator("button[type=submit]").click();
  await expert.locator(".toast", { hasText: "已写入知识库" }).waitFor();
  assert.equal(await dialog.count(), 0, "the dialog closed");

  // The next clerk types a two-character word: the answer is offered, opened, and solves it —
  // all from the keyboard.
  const next = await signIn(browser, server.url, "clerk.dawan");
  await next.locator("#title").pressSequentially("密码");
  const offered = next.locator("#raise .suggest button.suggestion", { hasText: QUESTION });
  await offered.waitFor();
  await next.keyboard.press("Tab");
  assert.equal(await next.evaluate(() => document.activeElement.classList.contains("suggestion")), true, "Tab reaches the answer offered");
  await next.keyboard.press("Enter");
  const view = next.locator("#raise .answer-view");
  await view.locator(".answer", { hasText: "密码解锁" }).waitFor();
  await next.screenshot({ path: join(shots, "41-clerk-offered-answer.png") });
  assert.deepEqual(await violations(next), [], "the clerk's form with an answer open");
  await next.keyboard.press("Tab");
  assert.equal(await next.evaluate(() => document.activeElement.textContent), "已解决，不用提问了");
  await next.keyboard.press("Enter");
  await next.locator("#raise").waitFor({ state: "hidden" });
  await next.locator("button.raise-open").waitFor();
  const id = Number(await expert.evaluate(async () => (await (await fetch("/api/knowledge")).json()).articles[0].id));
  assert.equal((await article(next, id)).solved, 1, "counted as a request given up");
  const { tickets } = await next.evaluate(async () => (await fetch("/api/tickets?all=true")).json());
  assert.equal(tickets.length, 1, "no second request was raised");

  // The form opens again for the next problem, empty.
  await next.locator("button.raise-open").click();
  assert.equal(await next.locator("#title").inputValue(), "");
  assert.equal(await next.locator("#raise .suggest").isVisible(), false);

  // On a phone: reading the answer and then cancelling the form counts too.
  const phone = await signIn(browser, server.url, "agent.niuying", { phone: true });
  await phone.locator("#title").pressSequentially("锁定");
  await phone.locator("#raise .suggest button.suggestion", { hasText: QUESTION }).tap();
  await phone.locator("#raise .answer-view .answer", { hasText: "密码解锁" }).waitFor();
  await assertFits(phone, "an offered answer");
  await phone.locator("#raise .answer-view").screenshot({ path: join(shots, "42-phone-offered-answer.png") });
  await phone.screenshot({ path: join(shots, "43-phone-clerk-form.png"), fullPage: true });
  await phone.locator("#raise button", { hasText: "取消" }).tap();
  await phone.locator("#raise").waitFor({ state: "hidden" });
  assert.equal((await article(phone, id)).solved, 2);

  // Everyone finds it in the knowledge base screen.
  await phone.locator("#knowledge-toggle").tap();
  await phone.locator("#kb-q").fill("锁定");
  await phone.locator(".kb-search button[type=submit]").tap();
  const entry = phone.locator("ul.kb-list li", { hasText: QUESTION });
  await entry.locator("button.kb-question").tap();
  await entry.locator(".kb-body .answer", { hasText: "密码解锁" }).waitFor();
  assert.equal(await entry.locator(".kb-body button", { hasText: "删除" }).count(), 0, "a clerk changes nothing");
  await assertFits(phone, "the knowledge base");
  await phone.screenshot({ path: join(shots, "44-phone-knowledge-base.png") });

  await expert.locator("#knowledge-toggle").click();
  const mine = expert.locator("ul.kb-list li", { hasText: QUESTION });
  await mine.locator("button.kb-question").click();
  await mine.locator(".kb-body button", { hasText: "删除" }).waitFor();
  await mine.locator(".hint", { hasText: "帮助 2 次" }).waitFor();
  assert.deepEqual(await violations(expert), [], "the knowledge base screen");
  await expert.screenshot({ path: join(shots, "45-expert-knowledge-base.png") });
});
