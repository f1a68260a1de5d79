// The HTTP API: JSON in, JSON out, errors as ApiError with the server's stable code.

export class ApiError extends Error {
  constructor(code, message, status, retryAfter = 0) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Marks a request as the console's own: the server refuses cookie-borne changes without it. */
export const OWN = { "x-requested-with": "backstop" };

export async function api(method, path, body) {
  return send(method, path, body === undefined ? undefined : JSON.stringify(body), "application/json");
}

/** Posts a spreadsheet file as it is; the server reads UTF-8 with or without a BOM. */
export async function postCsv(path, file) {
  return send("POST", path, file, "text/csv; charset=utf-8");
}

async function send(method, path, body, type) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      // Reads carry no extra header, so that the page's preloaded reads are used as they are.
      headers: method === "GET" ? {} : body === undefined ? { ...OWN } : { ...OWN, "content-type": type },
      body,
    });
  } catch {
    throw new ApiError("network", "network unreachable", 0);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const e = data?.error ?? {};
    const retryAfter = Number(response.headers.get("retry-after")) || 0;
    const err = new ApiError(e.code ?? "internal", e.message ?? response.statusText, response.status, retryAfter);
    // A file or form refused line by line says what is wrong on each.
    if (e.rows) err.rows = e.rows;
    throw err;
  }
  return data;
}
