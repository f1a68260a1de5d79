// Small helpers for building the page safely (text only, never HTML from data) and for times.

import { t } from "./i18n.js";

/** What may be attached (the server checks the content itself). */
export const ATTACH_TYPES = ["image/png", "image/jpeg", "image/webp", "application/pdf"];
export const ACCEPT_ATTR = ATTACH_TYPES.join(",");

/** el("li.ticket", {onclick}, child, "text") */
export function el(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function duration(ms) {
  const min = Math.floor(ms / 60000);
  if (min < 1) return t("unit.now");
  if (min < 60) return t("unit.min", { n: min });
  const hours = Math.floor(min / 60);
  if (hours < 24) return t("unit.hour", { n: hours });
  return t("unit.day", { n: Math.floor(hours / 24) });
}

export function clock(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  const today = new Date();
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.toDateString() === today.toDateString() ? time : `${d.getMonth() + 1}/${d.getDate()} ${time}`;
}

let toastTimer;
export function toast(text) {
  document.querySelector(".toast")?.remove();
  const node = el("div.toast", { role: "alert", text });
  document.body.append(node);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.remove(), 4000);
}
