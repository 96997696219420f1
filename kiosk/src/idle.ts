// The idle timer of a shared public device: a warning bar near the end, then the visit is
// wiped (server session ended, screen cleared). A face check in flight counts as activity.
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { finish } from "./flow.ts";
import type { Kiosk } from "./state.ts";

const TICK_MS = 250;

/** Starts the timer; returns the warning bar for the renderer to place. */
export function startIdleTimer(k: Kiosk): HTMLElement {
  const bar = h("div", { class: "idle-bar", "data-test": "idle-bar", hidden: true });
  let lastActivity = Date.now();
  for (const type of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
    window.addEventListener(type, () => (lastActivity = Date.now()), { capture: true, passive: true });
  }
  setInterval(() => {
    const s = k.state;
    if (s.screen === "welcome") {
      bar.hidden = true;
      lastActivity = Date.now();
      return;
    }
    // The person is standing still on purpose.
    if (s.busy || s.face.phase === "capturing" || s.face.phase === "checking") lastActivity = Date.now();
    const left = k.config.idleMs - (Date.now() - lastActivity);
    if (left <= 0) {
      bar.hidden = true;
      void finish(k, "idle_wiped");
      return;
    }
    const warnFrom = Math.min(15_000, k.config.idleMs / 3);
    bar.hidden = left > warnFrom;
    if (!bar.hidden) bar.textContent = t("kiosk.idleWarning", { n: Math.ceil(left / 1000) });
  }, TICK_MS);
  return bar;
}
