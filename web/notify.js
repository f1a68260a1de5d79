// Telling a person something happened while they look elsewhere: the unread count in the page
// title, a short chime for a new request in their queue (each person can turn it off), an
// alarm for an incident they are told of (unless they turned sound off), and a desktop
// notification when the page is out of sight and they have allowed them.

import { t } from "./i18n.js";

const BASE = document.title;
let audio = null;
// Browsers play sound only after the person has touched the page.
let touched = false;
for (const kind of ["pointerdown", "keydown"]) addEventListener(kind, () => { touched = true; }, { capture: true, once: true });
const mayPlay = () => touched || navigator.userActivation?.hasBeenActive === true;

function soundKey(me) { return `backstop.sound.${me.id}`; }

export class Notifier {
  constructor(me) {
    this.me = me;
    const saved = localStorage.getItem(soundKey(me));
    // On by default for experts, who take new work; off for those who oversee it.
    this.sound = saved === null ? me.role === "expert" : saved === "on";
    // Alarms sound unless the person turned sound off themselves.
    this.silenced = saved === "off";
    this.chimes = 0;
    this.alarms = 0;
  }

  /** The sound switch in the top bar; turning it on also asks for desktop notifications. */
  mount(button) {
    button.hidden = false;
    const draw = () => {
      button.setAttribute("aria-pressed", String(this.sound));
      button.textContent = this.sound ? t("notify.sound.on") : t("notify.sound.off");
    };
    button.onclick = () => {
      this.sound = !this.sound;
      localStorage.setItem(soundKey(this.me), this.sound ? "on" : "off");
      this.silenced = !this.sound;
      if (this.sound && "Notification" in window && Notification.permission === "default") Notification.requestPermission();
      if (this.sound) this.beep();
      draw();
    };
    draw();
  }

  /** A new request in the queue: a chime (if on) and, when hidden, a desktop notification. */
  newRequest(ticket) {
    this.desktop(t("notify.new"), `${ticket.unit_name} · ${ticket.title}`, `ticket-${ticket.id}`);
    if (!this.sound) return;
    this.chimes += 1;
    document.documentElement.dataset.chimes = String(this.chimes);
    this.beep();
  }

  /** A message from someone else in a conversation this person is not looking at. */
  message(event) {
    this.desktop(t("notify.message", { name: event.actor_name }), event.body, `ticket-${event.ticket_id}`);
  }

  /** An incident this person is told of: two short tones and a desktop notification, also
   * while the page is in view but not in front; `open` runs when the notification is clicked. */
  alarm(title, body, tag, open) {
    if (!this.silenced && mayPlay()) {
      this.alarms += 1;
      document.documentElement.dataset.alarms = String(this.alarms);
      this.beep(660);
      setTimeout(() => this.beep(990), 250);
    }
    if (!("Notification" in window) || Notification.permission !== "granted" || (!document.hidden && document.hasFocus())) return;
    try {
      const n = new Notification(title, { body, tag, requireInteraction: true });
      n.onclick = () => { window.focus(); open?.(); n.close(); };
    } catch { /* some browsers only notify from a worker */ }
  }

  /** Asks for desktop notifications (from a click: browsers ask only then). */
  askDesktop() {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }

  /** The number of unread messages, in the page title. */
  unread(n) {
    document.title = n ? `(${n}) ${BASE}` : BASE;
  }

  desktop(title, body, tag) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try { new Notification(title, { body, tag }); } catch { /* some browsers only notify from a worker */ }
  }

  beep(pitch = 880) {
    try {
      audio ??= new AudioContext();
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = pitch;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch { /* no sound device: the title and the list still show it */ }
  }
}
