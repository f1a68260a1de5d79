// What the console keeps in the browser so it can open and queue messages without a link:
// the signed-in person, the catalogue, the ticket list, the open tabs and the outbox.
// Everything is per user and wiped at sign-out.

const PREFIX = "backstop.";

export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // A full or disabled storage only costs the offline copy.
  }
}

export function clearAll() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(PREFIX) && key !== PREFIX + "lang") localStorage.removeItem(key);
  }
}
