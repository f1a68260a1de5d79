// Attaching screenshots and documents: images are scaled down in the browser first (more so
// on a slow or metered link), then uploaded; the server answers with the content hash.

import { ApiError, OWN } from "./api.js";
import { ATTACH_TYPES as ACCEPT } from "./format.js";

function slowLink() {
  const c = navigator.connection;
  return Boolean(c && (c.saveData || ["slow-2g", "2g", "3g"].includes(c.effectiveType)));
}

/** A JPEG no larger than `max` pixels on its longer side; small images are left alone. */
export async function scaleDown(file, max = slowLink() ? 1024 : 1600, quality = slowLink() ? 0.7 : 0.85) {
  if (!file.type.startsWith("image/")) return file;
  const bitmap = await createImageBitmap(file);
  const ratio = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
  if (ratio === 1 && file.size < 300 * 1024) return file;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * ratio);
  canvas.height = Math.round(bitmap.height * ratio);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  return blob && blob.size < file.size ? blob : file;
}

/** Uploads the file (scaled if an image) and returns `{ hash, mime, size, url }`. */
export async function upload(file) {
  if (!ACCEPT.includes(file.type)) throw new ApiError("unsupported_type", file.type, 415);
  const body = await scaleDown(file);
  let response;
  try {
    response = await fetch("/api/files", { method: "POST", credentials: "same-origin", headers: OWN, body });
  } catch {
    throw new ApiError("network", "network unreachable", 0);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(data?.error?.code ?? "internal", data?.error?.message ?? "", response.status);
  return data;
}
