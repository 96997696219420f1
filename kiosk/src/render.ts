// Draws the whole kiosk from its state: the top bar, the error line, the screen, the idle bar.
// `document.body.dataset.screen` names the screen and `.busy` says a step runs (tests wait on both).
import { h, type Child } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { changeLanguage, finish } from "./flow.ts";
import { commitmentScreen } from "./screens/commitment.ts";
import { enterpriseScreen } from "./screens/enterprise.ts";
import { faceScreen } from "./screens/face.ts";
import { recordsScreen } from "./screens/records.ts";
import { selfScreen } from "./screens/self.ts";
import { codeScreen, decisionScreen } from "./screens/result.ts";
import { welcomeScreen } from "./screens/welcome.ts";
import { bindScreen } from "./screens/bind.ts";
import { unbindScreen } from "./screens/unbind.ts";
import type { Kiosk, Screen } from "./state.ts";
import { button, problemText } from "./ui.ts";

const SCREENS: Record<Screen, (k: Kiosk) => Child[]> = {
  welcome: welcomeScreen,
  enterprise: enterpriseScreen,
  self: selfScreen,
  face: faceScreen,
  records: recordsScreen,
  commitment: commitmentScreen,
  decision: decisionScreen,
  code: codeScreen,
  bind: bindScreen,
  unbind: unbindScreen,
};

/** The step shown in the top bar ("step 2 of 5"); the welcome screen has none. */
const STEP: Record<Screen, number> = { welcome: 0, enterprise: 1, self: 1, face: 2, records: 3, commitment: 4, decision: 5, code: 5, bind: 5, unbind: 3 };

export function renderKiosk(k: Kiosk, app: HTMLElement, idleBar: HTMLElement): void {
  const s = k.state;
  document.body.dataset.screen = s.screen;
  document.body.dataset.busy = String(s.busy);
  // A phone bound from the records screen is still step 3 (no application yet).
  const step = s.screen === "bind" && s.binding ? STEP[s.binding.from] : STEP[s.screen];
  const header = h(
    "header",
    { class: "top" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "信"), h("span", {}, t("kiosk.title"))),
    step > 0 ? h("div", { class: "step", "data-test": "step" }, t("kiosk.stepOf", { n: step })) : null,
    h(
      "div",
      { class: "top-actions" },
      s.screen !== "welcome" ? button(s.busy, t("kiosk.home"), () => void finish(k), { kind: "ghost", test: "home" }) : null,
      h("button", { type: "button", class: "btn ghost lang", "data-test": "lang", onclick: () => changeLanguage(k) }, t("common.langSwitch")),
    ),
  );
  const main = h("main", { class: `screen screen-${s.screen}` }, ...SCREENS[s.screen](k));
  const error = s.error ? h("div", { class: "error", role: "alert", "data-test": "error" }, problemText(s.error)) : "";
  app.replaceChildren(header, error, main, idleBar);
  if (s.screen === "face") void k.video.play().catch(() => {});
}
