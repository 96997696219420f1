// Commitment: the credit commitment to read, a box to accept it, and a handwritten signature.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { submitApplication } from "../flow.ts";
import { createSignaturePad } from "../signature.ts";
import type { Kiosk } from "../state.ts";
import { button } from "../ui.ts";

export function commitmentScreen(k: Kiosk): Child[] {
  const s = k.state;
  const canvas = h("canvas", { class: "signature", "data-test": "signature", "aria-label": t("kiosk.signHere") });
  const signature = createSignaturePad(canvas);
  k.signature = signature;
  const submit = button(s.busy, t("kiosk.submit"), () => void submitApplication(k), { kind: "primary big", test: "submit", disabled: true });
  const update = () => {
    submit.disabled = k.state.busy || !k.state.accepted || signature.isEmpty();
  };
  signature.onChange(update);
  const accept = h("input", {
    type: "checkbox",
    id: "accept",
    "data-test": "accept",
    onchange: (e) => {
      k.state.accepted = (e.target as HTMLInputElement).checked;
      update();
    },
  });
  accept.checked = s.accepted;
  return [
    h("h2", {}, t("kiosk.commitmentTitle")),
    h(
      "div",
      { class: "commitment-layout" },
      h("div", { class: "commitment-text", tabindex: "0", "data-test": "commitment-text" }, ...s.commitment!.text.split("\n").map((line) => h("p", {}, line))),
      h(
        "div",
        { class: "commitment-sign" },
        h("label", { class: "accept", for: "accept" }, accept, h("span", {}, t("kiosk.commitmentAccept"))),
        h("p", { class: "label" }, t("kiosk.signHere")),
        canvas,
        h("div", { class: "actions" }, button(s.busy, t("kiosk.signClear"), () => signature.clear(), { kind: "secondary", test: "sign-clear" }), submit),
      ),
    ),
  ];
}
