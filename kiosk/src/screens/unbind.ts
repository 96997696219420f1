// A lost or replaced phone, removed at the kiosk. Only after this session's face check: the kiosk
// lists the phones the face-checked person holds (POST /v1/wallet/kiosk/devices: the name the
// holder gave the phone and its dates, nothing else) for the session's subject, and for an
// enterprise also for the person's own code; removing one (POST /v1/wallet/kiosk/unbind with
// its id) refuses its code at once online, and rotates the code so offline verifiers refuse it
// at their next status list. The removal is confirmed on the screen, not in a browser dialog
// (a kiosk has no keyboard focus to spare and a dialog cannot be read aloud in our words).
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import type { BoundPhone } from "../api.ts";
import type { Kiosk, Screen } from "../state.ts";
import { step } from "../step.ts";
import { button, formatTime } from "../ui.ts";

type Whom = "subject" | "holder";

export interface UnbindState {
  /** The screen to go back to. */
  from: Screen;
  lists: { whom: Whom; phones: BoundPhone[] }[];
  /** The phone whose removal waits for "yes, remove". */
  confirming: string | null;
  /** The name of the phone just removed (the line that says it is done). */
  removed: string | null;
}

async function load(k: Kiosk, from: Screen, removed: string | null): Promise<UnbindState> {
  const s = k.state;
  const who = s.applicant!;
  // A person's own visit has one code; a representative's or agent's has the enterprise's and their own.
  const whoms: Whom[] = who.capacity === "self" ? ["subject"] : ["subject", "holder"];
  const lists = [];
  for (const whom of whoms) {
    const { devices } = await k.api.phones(s.sessionId!, whom);
    lists.push({ whom, phones: devices });
  }
  return { from, lists, confirming: null, removed };
}

/** From the screen the person is on (after the face check): the list of their phones. */
export async function openUnbind(k: Kiosk): Promise<void> {
  const from = k.state.screen;
  await step(k, async (gen) => {
    const next = await load(k, from, null);
    if (gen !== k.generation) return;
    k.state.unbind = next;
    k.state.screen = "unbind";
  });
}

async function remove(k: Kiosk, whom: Whom, phone: BoundPhone): Promise<void> {
  const from = k.state.unbind!.from;
  await step(k, async (gen) => {
    await k.api.unbindPhone(k.state.sessionId!, whom, phone.id);
    const next = await load(k, from, phone.name);
    if (gen !== k.generation) return;
    k.state.unbind = next;
  });
}

/** The button on the records screen, shown once the face check has passed. */
export const unbindButton = (k: Kiosk) => button(k.state.busy, t("kiosk.unbind.open"), () => void openUnbind(k), { kind: "secondary", test: "to-unbind" });

export function unbindScreen(k: Kiosk): Child[] {
  const s = k.state;
  const u = s.unbind!;
  // Worded at drawing time: the language can change on this screen.
  const title = (whom: Whom) =>
    whom === "subject" && s.applicant!.capacity !== "self" ? t("kiosk.unbind.forEnterprise", { name: s.applicant!.enterpriseName }) : t("kiosk.unbind.forSelf");
  const none = u.lists.every((l) => l.phones.length === 0);
  return [
    h("h2", {}, t("kiosk.unbind.title")),
    h("p", { class: "hint" }, t("kiosk.unbind.hint")),
    u.removed ? h("p", { class: "notice done", role: "status", "data-test": "unbind-done" }, t("kiosk.unbind.done", { name: u.removed })) : null,
    none ? h("p", { class: "notice", "data-test": "unbind-none" }, t("kiosk.unbind.none")) : null,
    ...u.lists.filter((l) => l.phones.length > 0).map((l) => h("section", { class: "group phones", "data-whom": l.whom }, h("h3", {}, title(l.whom)), ...l.phones.map((p) => phoneRow(k, l.whom, p)))),
    h(
      "div",
      { class: "actions" },
      button(s.busy, t("kiosk.unbind.back"), () => ((s.screen = u.from), (s.unbind = null), k.render()), { kind: "primary big", test: "unbind-back" }),
    ),
  ];
}

function phoneRow(k: Kiosk, whom: Whom, p: BoundPhone): HTMLElement {
  const s = k.state;
  const u = s.unbind!;
  const asking = u.confirming === p.id;
  const setConfirming = (id: string | null) => {
    u.confirming = id;
    u.removed = null;
    k.render();
  };
  return h(
    "article",
    { class: `record phone${asking ? " asking" : ""}`, "data-test": "phone", "data-device": p.id },
    h(
      "div",
      { class: "record-body" },
      h("div", { class: "record-title" }, h("b", { "data-test": "phone-name" }, p.name)),
      h("div", { class: "record-meta" }, t("kiosk.unbind.boundAt", { time: formatTime(p.boundAt) })),
      h("div", { class: "record-meta" }, p.lastSeenAt ? t("kiosk.unbind.lastSeen", { time: formatTime(p.lastSeenAt) }) : t("kiosk.unbind.neverSeen")),
      asking ? h("p", { class: "record-when", "data-test": "unbind-question" }, t("kiosk.unbind.confirm", { name: p.name })) : null,
    ),
    asking
      ? h(
          "div",
          { class: "phone-actions" },
          button(s.busy, t("kiosk.unbind.cancel"), () => setConfirming(null), { kind: "secondary", test: "unbind-cancel" }),
          button(s.busy, t("kiosk.unbind.yes"), () => void remove(k, whom, p), { kind: "primary danger", test: "unbind-yes" }),
        )
      : h("div", { class: "phone-actions" }, button(s.busy, t("kiosk.unbind.remove"), () => setConfirming(p.id), { kind: "secondary", test: "unbind-device" })),
  );
}
