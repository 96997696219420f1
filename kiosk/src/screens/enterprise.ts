// Enterprise: the USCC typed (on-screen keypad) or the enterprise code scanned into the
// field, and who is applying; an agent also gives their resident ID number.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { submitEnterprise } from "../flow.ts";
import type { Capacity, Kiosk } from "../state.ts";
import { clearError } from "../step.ts";
import { button } from "../ui.ts";

/** The keypad has the 31 characters of GB 32100 (no I, O, S, V, Z), which include those of an ID number. */
const KEYS = ["1234567890", "ABCDEFGHJK", "LMNPQRTUWX", "Y"];
const CAPACITIES: readonly Capacity[] = ["legal_representative", "authorised_agent"];

/** A text field the on-screen keypad types into once focused; Enter runs `submit`. */
export function textField(k: Kiosk, id: "enterprise" | "idNumber", attrs: Record<string, string>, submit?: () => void): HTMLInputElement {
  const s = k.state;
  const input = h("input", {
    id,
    class: `field${s.activeField === id ? " active" : ""}`,
    autocomplete: "off",
    ...attrs,
    onfocus: () => {
      s.activeField = id;
    },
    oninput: (e) => {
      const value = (e.target as HTMLInputElement).value;
      if (id === "enterprise") s.enterpriseInput = value;
      else s.idNumber = value;
      clearError(k);
    },
    onkeydown: (e) => {
      if (submit && (e as KeyboardEvent).key === "Enter") submit();
    },
  });
  input.value = id === "enterprise" ? s.enterpriseInput : s.idNumber;
  setTimeout(() => (document.getElementById(s.activeField) as HTMLInputElement | null)?.focus(), 0);
  return input;
}

export function enterpriseScreen(k: Kiosk): Child[] {
  const s = k.state;
  const enterprise = textField(k, "enterprise", { "data-test": "enterprise-input", spellcheck: "false", placeholder: t("kiosk.enterprisePlaceholder") }, () => void submitEnterprise(k));
  const idNumber =
    s.capacity === "authorised_agent" ? h("label", { class: "label" }, t("kiosk.idNumberLabel"), textField(k, "idNumber", { "data-test": "id-input", inputmode: "numeric" })) : null;
  return [
    h("h2", {}, t("kiosk.enterpriseTitle")),
    h("label", { class: "label", for: "enterprise" }, t("kiosk.enterpriseLabel")),
    enterprise,
    h("p", { class: "hint" }, t("kiosk.scanHint")),
    h("h3", {}, t("kiosk.whoTitle")),
    h("div", { class: "choice", role: "radiogroup" }, ...CAPACITIES.map((c) => capacityChoice(k, c))),
    idNumber,
    keypad(k),
    h("div", { class: "actions" }, button(s.busy, t("kiosk.next"), () => void submitEnterprise(k), { kind: "primary big", test: "enterprise-next" })),
  ];
}

function capacityChoice(k: Kiosk, c: Capacity): HTMLElement {
  const chosen = k.state.capacity === c;
  return h(
    "button",
    {
      type: "button",
      role: "radio",
      "aria-checked": String(chosen),
      class: `btn choice-btn${chosen ? " chosen" : ""}`,
      "data-test": `capacity-${c}`,
      onclick: () => {
        k.state.capacity = c;
        k.state.activeField = c === "authorised_agent" ? "idNumber" : "enterprise";
        k.render();
      },
    },
    c === "legal_representative" ? t("kiosk.legalRep") : t("kiosk.agent"),
  );
}

/** The on-screen keypad types into the field last focused; pressing a key keeps the focus there. */
export function keypad(k: Kiosk): HTMLElement {
  const press = (key: string) => {
    const s = k.state;
    const value = s.activeField === "enterprise" ? s.enterpriseInput : s.idNumber;
    const next = key === "del" ? value.slice(0, -1) : key === "clr" ? "" : value + key;
    s.error = null;
    if (s.activeField === "enterprise") s.enterpriseInput = next;
    else s.idNumber = next;
    k.render();
  };
  const key = (label: string, value: string, wide = false) =>
    h("button", { type: "button", class: wide ? "key wide" : "key", onmousedown: (e) => e.preventDefault(), onclick: () => press(value) }, label);
  return h(
    "div",
    { class: "keypad", "aria-label": t("kiosk.keyboard") },
    ...KEYS.flatMap((row) => [...row]).map((c) => key(c, c)),
    key(t("kiosk.keyDelete"), "del", true),
    key(t("kiosk.keyClear"), "clr", true),
  );
}
