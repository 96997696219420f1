// Welcome: what the visit needs, and two ways to start: for an enterprise, or for oneself (本人办理).
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
      h(
        "div",
        { class: "starts" },
        button(s.busy, t("kiosk.start"), () => void begin(k, "enterprise"), { kind: "primary huge", test: "start" }),
        button(s.busy, t("kiosk.startSelf"), () => void begin(k, "self"), { kind: "secondary huge", test: "start-self" }),
      ),
      h("p", { class: "hint" }, t("kiosk.selfWelcomeHint")),
      h("ol", { class: "steps-line" }, ...t("kiosk.steps").split(" · ").map((name, i) => h("li", {}, h("b", {}, String(i + 1)), name))),
    ),
  ];
}
