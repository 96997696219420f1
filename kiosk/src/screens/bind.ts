// Binding a phone, from the records screen (a person who only wants the code on the phone, or
// has nothing to repair) or at the end of a repair: after the face check, the kiosk asks the API for a
// one-time binding QR (POST /v1/wallet/offers/kiosk; short-lived, single use) and shows it. The
// person scans it with the phone's camera; the wallet opens and binds the phone with a passkey
// and a device key. From then on the phone shows the code, refreshed every few seconds, instead
// of a photo of a code that expires within a minute.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { ApiError } from "../api.ts";
import { finish } from "../flow.ts";
import type { Kiosk, Screen } from "../state.ts";
import { step } from "../step.ts";
import { button, formatTime } from "../ui.ts";

export type BindWhom = "subject" | "holder";

export interface BindOffer {
  /** The screen "back" returns to (the records, or the end screen's code). */
  from: Screen;
  whom: BindWhom;
  qr: string;
  expiresAt: string;
  subject: { kind: "person" | "enterprise"; displayName: string };
  holder: { displayName: string; capacity: string };
}

async function requestOffer(k: Kiosk, whom: BindWhom, from: Screen): Promise<BindOffer> {
  const response = await fetch(`${k.config.apiBase}/v1/wallet/offers/kiosk`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.config.token}`, "content-type": "application/json" },
    body: JSON.stringify({ sessionId: k.state.sessionId, whom }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, typeof body.code === "string" ? body.code : "unknown", String(body.detail ?? ""));
  return { from, whom, qr: (body.qr as { png: string }).png, expiresAt: body.expiresAt as string, subject: body.subject as BindOffer["subject"], holder: body.holder as BindOffer["holder"] };
}

/** Shows a fresh binding QR (for the session's subject, or the person's own code). */
export async function openBind(k: Kiosk, whom: BindWhom = "subject"): Promise<void> {
  // Switching to the person's own code on the bind screen keeps where "back" leads.
  const from = k.state.screen === "bind" && k.state.binding ? k.state.binding.from : k.state.screen;
  await step(k, async (gen) => {
    const offer = await requestOffer(k, whom, from);
    if (gen !== k.generation) return;
    k.state.binding = offer;
    k.state.screen = "bind";
  });
}

/** The button the end screen shows. */
export const bindButton = (k: Kiosk) => button(k.state.busy, t("wallet.kiosk.bindOffer"), () => void openBind(k), { kind: "primary big", test: "bind-phone" });

/**
 * The records screen's button, beside "lost your phone?": binding needs only this session's face
 * check (the API refuses an offer without it), not an application. For an enterprise visit it
 * offers the enterprise's code first and, on the bind screen, the person's own, as the end screen does.
 */
export const bindEarlyButton = (k: Kiosk) => button(k.state.busy, t("kiosk.bind.open"), () => void openBind(k), { kind: "secondary", test: "to-bind" });

export function bindScreen(k: Kiosk): Child[] {
  const offer = k.state.binding!;
  const kind = t(offer.subject.kind === "enterprise" ? "wallet.kind.enterprise" : "wallet.kind.person");
  return [
    h("h2", {}, t("wallet.kiosk.bindTitle", { kind })),
    h(
      "div",
      { class: "qr-card" },
      h("img", { class: "qr", src: offer.qr, alt: t("wallet.kiosk.bindTitle", { kind }), "data-test": "bind-qr" }),
      // A person's own code is held by that person: the name once, not "黄*强 · holder 黄*强".
      h(
        "p",
        { class: "qr-name", "data-test": "bind-for" },
        offer.holder.capacity === "self" ? offer.subject.displayName : t("wallet.kiosk.bindFor", { name: offer.subject.displayName, holder: offer.holder.displayName }),
      ),
      h("p", { class: "hint", "data-test": "bind-expires" }, t("wallet.kiosk.bindExpires", { time: formatTime(offer.expiresAt) })),
      h("p", { class: "hint" }, t("wallet.kiosk.bindSteps")),
    ),
    h(
      "div",
      { class: "actions" },
      button(k.state.busy, t("wallet.kiosk.bindBack"), () => ((k.state.screen = offer.from), (k.state.binding = null), k.render()), { kind: "secondary", test: "bind-back" }),
      offer.whom === "subject" && offer.holder.capacity !== "self"
        ? button(k.state.busy, t("wallet.kiosk.bindOwn"), () => void openBind(k, "holder"), { kind: "secondary", test: "bind-own" })
        : null,
      button(k.state.busy, t("kiosk.done"), () => void finish(k), { kind: "primary big", test: "done" }),
    ),
  ];
}
