// 本人办理: a person applying for themself gives their own resident ID number (typed on the
// keypad); the face check that follows is of their own face, and their own records come next.
// No enterprise step.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { submitSelf } from "../flow.ts";
import type { Kiosk } from "../state.ts";
import { button } from "../ui.ts";
import { keypad, textField } from "./enterprise.ts";

export function selfScreen(k: Kiosk): Child[] {
  const s = k.state;
  return [
    h("h2", {}, t("kiosk.selfTitle")),
    h("p", { class: "hint" }, t("kiosk.selfHint")),
    h("label", { class: "label", for: "idNumber" }, t("kiosk.selfIdLabel")),
    textField(k, "idNumber", { "data-test": "self-id-input", inputmode: "numeric", spellcheck: "false" }, () => void submitSelf(k)),
    keypad(k),
    h("div", { class: "actions" }, button(s.busy, t("kiosk.next"), () => void submitSelf(k), { kind: "primary big", test: "self-next" })),
  ];
}
