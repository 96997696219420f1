// The verdict screen, drawn whole from one value each time (never patched field by field):
// whatever the last scan showed is gone when the next one is drawn. The code's verdict and
// the subject's credit status are two separate panels, so a valid code of a seriously
// dishonest subject reads as exactly that and not as good standing.
import { h } from "../lib/dom.ts";
import { lookup, t } from "../i18n/index.ts";
import type { Outcome, Subject } from "./outcome.ts";
import { clockTime, duration } from "./format.ts";

export type Screen = { state: "idle" } | { state: "checking" } | { state: "decided"; outcome: Outcome };

/** Dictionary text for a key built from a value the verdict carries. */
const word = (key: string): string => lookup(key) ?? key;

function banner(mark: string, headline: string, reason: string | null): HTMLElement {
  return h(
    "div",
    { class: "banner" },
    h("span", { class: "mark", "aria-hidden": "true" }, mark),
    h("h1", { id: "headline" }, headline),
    reason ? h("p", { id: "reason", class: "reason" }, reason) : null,
  );
}

function identity(subject: Subject, deviceBound: boolean | null): HTMLElement {
  return h(
    "dl",
    { id: "identity", class: "identity", "aria-label": t("verifier.identity") },
    h("div", {}, h("dt", {}, t(subject.kind === "enterprise" ? "verifier.name.enterprise" : "verifier.name.person")), h("dd", { id: "name" }, subject.displayName)),
    h("div", {}, h("dt", {}, t("verifier.kind")), h("dd", { id: "kind" }, word(`verifier.kind.${subject.kind}`))),
    // How the code was shown: from the holder's bound phone (its device signature checked), or a server-issued code.
    deviceBound === null
      ? null
      : h("div", {}, h("dt", {}, t("verifier.shownFrom")), h("dd", { id: "bound", "data-bound": String(deviceBound) }, t(deviceBound ? "verifier.bound.yes" : "verifier.bound.no"))),
  );
}

/** The device proof's time far from this device's clock: a screenshot, or a clock that is wrong. */
function proofWarning(offset: number): HTMLElement {
  const d = duration(Math.abs(offset));
  return h("p", { class: "warning", id: "proof-skew", "data-offset-seconds": String(offset) }, t(offset > 0 ? "verifier.proofOld" : "verifier.proofAhead", { d }));
}

function credit(subject: Subject, mode: Outcome["mode"]): HTMLElement {
  const status = subject.creditStatus;
  return h(
    "section",
    { id: "credit", class: `credit credit-${status}`, "data-credit": status, "aria-label": t("verifier.credit") },
    h("h2", {}, t("verifier.credit")),
    h("p", { class: "credit-value" }, word(`verifier.credit.${status}`)),
    h("p", { class: "credit-advice" }, word(`verifier.creditAdvice.${status}`)),
    h("p", { class: "meta" }, t(mode === "online" ? "verifier.creditSource.online" : "verifier.creditSource.offline")),
  );
}

function decided(o: Outcome): HTMLElement[] {
  const mark = { valid: "✓", invalid: "✕", unconfirmed: "!" }[o.outcome];
  const parts: HTMLElement[] = [banner(mark, word(`verifier.outcome.${o.outcome}`), o.reason ? word(`verifier.reason.${o.reason}`) : null)];
  // Who it is, straight under the verdict; an invalid outcome has nobody to show.
  if (o.subject) parts.push(identity(o.subject, o.deviceBound), credit(o.subject, o.mode));
  if (o.subject && o.proofOffsetSeconds !== null) parts.push(proofWarning(o.proofOffsetSeconds));
  parts.push(h("div", { class: "todo" }, h("h2", {}, t("verifier.whatToDo")), h("p", { id: "action" }, word(o.reason ? `verifier.action.${o.reason}` : "verifier.action.valid"))));
  if (o.skewSeconds !== null) parts.push(h("p", { class: "warning", id: "verdict-skew" }, t("verifier.skewOnVerdict", { d: duration(Math.abs(o.skewSeconds)) })));
  parts.push(h("p", { id: "mode", class: "meta" }, `${t(o.mode === "online" ? "verifier.mode.online" : "verifier.mode.offline")} · ${t("verifier.checkedAt", { time: clockTime(o.checkedAt) })}`));
  if (o.reason || o.detail) {
    parts.push(
      h(
        "details",
        { class: "tech" },
        h("summary", {}, t("verifier.details")),
        h(
          "dl",
          {},
          o.reason ? h("div", {}, h("dt", {}, t("verifier.details.reason")), h("dd", { id: "reason-code" }, o.reason)) : null,
          o.detail ? h("div", {}, h("dt", {}, t("verifier.details.detail")), h("dd", {}, o.detail)) : null,
        ),
      ),
    );
  }
  return parts;
}

/** The whole verdict section for `screen`; the caller replaces the old one with it. */
export function renderVerdict(screen: Screen): HTMLElement {
  const o = screen.state === "decided" ? screen.outcome : null;
  const state = o ? o.outcome : screen.state;
  const children =
    screen.state === "idle"
      ? [banner("□", t("verifier.idle"), null), h("p", { class: "hint" }, t("verifier.idleHint"))]
      : screen.state === "checking"
        ? [banner("…", t("verifier.checking"), null)]
        : decided(screen.outcome);
  return h(
    "section",
    {
      id: "verdict",
      class: `verdict ${state}`,
      "data-state": state,
      "data-reason": o?.reason ?? "",
      "data-mode": o?.mode ?? "",
      "data-credit": o?.subject?.creditStatus ?? "",
      "data-bound": o?.deviceBound === null || !o ? "" : String(o.deviceBound),
      "aria-live": "assertive",
    },
    ...children,
  );
}
