// Welcome: what the visit needs, and one button to start.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { begin } from "../flow.ts";
import type { Kiosk } from "../state.ts";
import { button } from "../ui.ts";

export function welcomeScreen(k: Kiosk): Child[] {
  const s = k.state;
  return [
    h(
      "section",
      { class: "hero" },
      h("h1", {}, t("kiosk.title")),
      h("p", { class: "lead" }, t("kiosk.subtitle")),
      s.notice === "idle_wiped" ? h("p", { class: "notice", role: "status", "data-test": "notice" }, t("kiosk.idleWiped")) : null,
      h("p", { class: "hint" }, t("kiosk.welcomeHint")),
      button(s.busy, t("kiosk.start"), () => void begin(k), { kind: "primary huge", test: "start" }),
      h("ol", { class: "steps-line" }, ...t("kiosk.steps").split(" · ").map((name, i) => h("li", {}, h("b", {}, String(i + 1)), name))),
    ),
  ];
}
