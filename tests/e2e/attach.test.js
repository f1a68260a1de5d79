// A clerk attaches a screenshot: big pictures are scaled down in the browser before upload,
// and the expert sees the picture in the conversation.

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

test("a screenshot reaches the expert, and large pictures are scaled down first", async () => {
  const expert = await signIn(browser, server.url, "expert.jingyuan");
  const clerk = await signIn(browser, server.url, "clerk.dawan");
  await clerk.selectOption("#item", "C01");
  await clerk.fill("#title", "社保卡申领页面报错");
  await clerk.click("#raise button[type=submit]");
  await expert.locator("#queue li", { hasText: "社保卡申领页面报错" }).click();
  await expert.locator("section.chat button[data-action=claim]").click();
  const clerkChat = clerk.locator("section.chat");
  await clerkChat.locator(".badge", { hasText: "处理中" }).waitFor();

  await clerkChat.locator("textarea").fill("这是报错截图");
  await clerkChat.locator("input[type=file]").setInputFiles({ name: "shot.png", mimeType: "image/png", buffer: PNG });
  await clerkChat.locator(".msg.mine .status", { hasText: "已送达" }).waitFor();
  const picture = expert.locator("section.chat .msg img");
  await picture.waitFor();
  await expert.waitForFunction(() => document.querySelector("section.chat .msg img")?.naturalWidth === 2);
  assert.match(await expert.locator("section.chat .msg", { has: expert.locator("img") }).textContent(), /这是报错截图/);
  await expert.screenshot({ path: join(shots, "11-expert-sees-screenshot.png") });

  const scaled = await clerk.evaluate(async () => {
    const { scaleDown } = await import("/assets/attach.js");
    const canvas = document.createElement("canvas");
    canvas.width = 2400;
    canvas.height = 1800;
    const ctx = canvas.getContext("2d");
    const noise = ctx.createImageData(2400, 1800);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i * 2654435761) >>> 24;
    ctx.putImageData(noise, 0, 0);
    const png = await new Promise((r) => canvas.toBlob(r, "image/png"));
    const out = await scaleDown(new File([png], "big.png", { type: "image/png" }), 1600, 0.85);
    const bitmap = await createImageBitmap(out);
    return { width: bitmap.width, height: bitmap.height, type: out.type, smaller: out.size < png.size };
  });
  assert.deepEqual(scaled, { width: 1600, height: 1200, type: "image/jpeg", smaller: true });
});
