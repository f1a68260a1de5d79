// The live channel: one WebSocket per tab, reconnecting with backoff and jitter, resubscribing
// to the queue, the duty matrix, the monitors and incidents, and every followed ticket from the last seq held, and
// re-sending messages that were not acknowledged (the server stores a client id once). The
// outbox is kept in localStorage, so queued messages survive a reload and go out, in order,
// when the link returns.

import { load, save } from "./store.js";

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15000;
// Refusals that pass by themselves: the message stays in the outbox and is sent again later.
// A server fault (`internal`) is tried a few times only; it may be this message's own.
const PASSING = new Set(["storage_unavailable", "shutting_down", "internal"]);
const INTERNAL_TRIES = 3;
const RESEND_MIN_MS = 2000;
const RESEND_MAX_MS = 60000;

function clientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sendFrame(m) {
  const frame = { type: "send", ticket: m.ticket, client_id: m.client_id, text: m.text };
  if (m.file) frame.file = m.file;
  if (m.internal) frame.internal = true;
  return frame;
}

export class Live {
  constructor(userId) {
    this.handlers = new Map();
    this.follows = new Map();   // ticket id → last seq held
    this.outboxKey = `outbox.${userId}`;
    // client id → { ticket, client_id, text, at }, in the order written
    this.outbox = new Map(load(this.outboxKey, []).map((m) => [m.client_id, m]));
    this.queue = false;
    this.duty = false;
    this.ops = false;
    this.state = "connecting";
    this.attempt = 0;
    this.ws = null;
    this.heartbeatMs = 20000;
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => { this.setState("offline"); this.ws?.close(); });
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(fn);
  }

  emit(type, data) {
    for (const fn of this.handlers.get(type) ?? []) fn(data);
  }

  setState(state) {
    this.state = state;
    this.emit("state", { state, queued: this.outbox.size });
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    this.lastHeard = Date.now();
    ws.onmessage = (m) => this.onFrame(m.data);
    ws.onclose = (e) => this.onClose(ws, e);
  }

  onFrame(text) {
    this.lastHeard = Date.now();
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    switch (frame.type) {
      case "hello": this.onHello(frame); break;
      case "snapshot":
        this.follows.set(frame.ticket.id, Math.max(this.follows.get(frame.ticket.id) ?? 0, ...frame.events.map((e) => e.seq)));
        break;
      case "event": {
        const id = frame.event.ticket_id;
        if (this.follows.has(id)) this.follows.set(id, Math.max(this.follows.get(id), frame.event.seq));
        break;
      }
      case "ack":
        this.forget(frame.client_id);
        break;
      case "error":
        if (!frame.client_id) break;
        // A passing fault: send again after a growing pause. Anything else is final.
        if (PASSING.has(frame.code)) frame.retry_in = this.resendLater(frame.client_id, frame.code);
        if (!frame.retry_in) this.forget(frame.client_id);
        break;
    }
    this.emit(frame.type, frame);
  }

  onHello(frame) {
    this.attempt = 0;
    this.heartbeatMs = frame.heartbeat_ms || 20000;
    this.setState("connected");
    if (this.queue) this.raw({ type: "subscribe_queue" });
    if (this.duty) this.raw({ type: "subscribe_duty" });
    if (this.ops) this.raw({ type: "subscribe_ops" });
    for (const [ticket, seq] of this.follows) this.raw({ type: "subscribe", ticket, after_seq: seq });
    for (const m of this.outbox.values()) this.raw(sendFrame(m));
    clearInterval(this.beat);
    // A socket can die without a close event (half-open link): ping, and give up on silence.
    this.beat = setInterval(() => {
      if (Date.now() - this.lastHeard > this.heartbeatMs * 2) this.ws?.close();
      else this.raw({ type: "ping" });
    }, this.heartbeatMs);
  }

  async onClose(ws, event) {
    if (ws !== this.ws) return;
    clearInterval(this.beat);
    if (event.code === 4001 || event.code === 4003) { this.emit("auth-lost", event); return; }
    // A refused upgrade looks like any dropped link (1006): ask whether the session still holds.
    if (event.code === 1006 && navigator.onLine) {
      const me = await fetch("/api/me", { credentials: "same-origin" }).catch(() => null);
      if (me?.status === 401) { this.emit("auth-lost", event); return; }
    }
    if (!navigator.onLine) { this.setState("offline"); return; }
    this.setState("reconnecting");
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempt++);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), ceiling / 2 + Math.random() * ceiling / 2);
  }

  reconnectNow() {
    if (this.state === "connected") return;
    clearTimeout(this.retry);
    this.attempt = 0;
    this.setState("reconnecting");
    this.connect();
  }

  raw(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  subscribeQueue() { this.queue = true; this.raw({ type: "subscribe_queue" }); }

  /** The responsibility matrix's changes (`duty` frames), again after every reconnect. */
  subscribeDuty() {
    if (this.duty) return;
    this.duty = true;
    this.raw({ type: "subscribe_duty" });
  }

  /** Monitors going up or down (`probe` frames) and incidents changing (`incident` frames),
   * again after every reconnect. */
  subscribeOps() {
    if (this.ops) return;
    this.ops = true;
    this.raw({ type: "subscribe_ops" });
  }

  follow(ticket) {
    if (this.follows.has(ticket)) return;
    this.follows.set(ticket, 0);
    this.raw({ type: "subscribe", ticket, after_seq: 0 });
  }

  unfollow(ticket) { this.follows.delete(ticket); this.raw({ type: "unsubscribe", ticket }); }

  /** Queues a chat message (or an internal note); returns its client id. It is sent now and
   * again after reconnects. */
  send(ticket, text, file = null, internal = false) {
    const message = { ticket, client_id: clientId(), text, file, internal, at: Date.now() };
    this.outbox.set(message.client_id, message);
    this.persist();
    this.raw(sendFrame(message));
    return message.client_id;
  }

  /** Messages for `ticket` still waiting for their ack, oldest first. */
  pendingFor(ticket) { return [...this.outbox.values()].filter((m) => m.ticket === ticket); }

  /** Sends an outbox message again after a pause that doubles each time; returns the pause. */
  resendLater(id, code) {
    const m = this.outbox.get(id);
    if (!m) return 0;
    m.tries = (m.tries ?? 0) + 1;
    if (code === "internal" && m.tries > INTERNAL_TRIES) return 0;
    const wait = Math.min(RESEND_MAX_MS, RESEND_MIN_MS * 2 ** (m.tries - 1));
    setTimeout(() => { if (this.outbox.has(id)) this.raw(sendFrame(m)); }, wait);
    return wait;
  }

  forget(id) {
    if (this.outbox.delete(id)) this.persist();
  }

  persist() {
    save(this.outboxKey, [...this.outbox.values()]);
    this.emit("state", { state: this.state, queued: this.outbox.size });
  }

  typing(ticket) { this.raw({ type: "typing", ticket }); }

  presence(status) { this.raw({ type: "presence", status }); }

  close() { clearInterval(this.beat); clearTimeout(this.retry); const ws = this.ws; this.ws = null; ws?.close(); }
}
