// Binding a phone at the end of the visit: after the face check, the kiosk asks the API for a
// one-time binding QR (POST /v1/wallet/offers/kiosk; short-lived, single use) and shows it. The
// person scans it with the phone's camera; the wallet opens and binds the phone with a passkey
// and a device key. From then on the phone shows the code, refreshed every few seconds, instead
// of a photo of a code that expires within a minute.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { ApiError } from "../api.ts";
import { finish } from "../flow.ts";
import type { Kiosk } from "../state.ts";
import { step } from "../step.ts";
import { button, formatTime } from "../ui.ts";

export type BindWhom = "subject" | "holder";

export interface BindOffer {
  whom: BindWhom;
  qr: string;
  expiresAt: string;
  subject: { kind: "person" | "enterprise"; displayName: string };
  holder: { displayName: string; capacity: string };
}

async function requestOffer(k: Kiosk, whom: BindWhom): Promise<BindOffer> {
  const response = await fetch(`${k.config.apiBase}/v1/wallet/offers/kiosk`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.config.token}`, "content-type": "application/json" },
    body: JSON.stringify({ sessionId: k.state.sessionId, whom }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, typeof body.code === "string" ? body.code : "unknown", String(body.detail ?? ""));
  return { whom, qr: (body.qr as { png: string }).png, expiresAt: body.expiresAt as string, subject: body.subject as BindOffer["subject"], holder: body.holder as BindOffer["holder"] };
}

/** Shows a fresh binding QR (for the session's subject, or the person's own code). */
export async function openBind(k: Kiosk, whom: BindWhom = "subject"): Promise<void> {
  await step(k, async (gen) => {
    const offer = await requestOffer(k, whom);
    if (gen !== k.generation) return;
    k.state.binding = offer;
    k.state.screen = "bind";
  });
}

/** The button the end screen shows. */
export const bindButton = (k: Kiosk) => button(k.state.busy, t("wallet.kiosk.bindOffer"), () => void openBind(k), { kind: "primary big", test: "bind-phone" });

export function bindScreen(k: Kiosk): Child[] {
  const offer = k.state.binding!;
  const kind = t(offer.subject.kind === "enterprise" ? "wallet.kind.enterprise" : "wallet.kind.person");
  return [
    h("h2", {}, t("wallet.kiosk.bindTitle", { kind })),
    h(
      "div",
      { class: "qr-card" },
      h("img", { class: "qr", src: offer.qr, alt: t("wallet.kiosk.bindTitle", { kind }), "data-test": "bind-qr" }),
      h("p", { class: "qr-name" }, t("wallet.kiosk.bindFor", { name: offer.subject.displayName, holder: offer.holder.displayName })),
      h("p", { class: "hint", "data-test": "bind-expires" }, t("wallet.kiosk.bindExpires", { time: formatTime(offer.expiresAt) })),
      h("p", { class: "hint" }, t("wallet.kiosk.bindSteps")),
    ),
    h(
      "div",
      { class: "actions" },
      k.state.application ? button(k.state.busy, t("wallet.kiosk.bindBack"), () => ((k.state.screen = "code"), k.render()), { kind: "secondary" }) : null,
      offer.whom === "subject" && offer.holder.capacity !== "self"
        ? button(k.state.busy, t("wallet.kiosk.bindOwn"), () => void openBind(k, "holder"), { kind: "secondary", test: "bind-own" })
        : null,
      button(k.state.busy, t("kiosk.done"), () => void finish(k), { kind: "primary big", test: "done" }),
    ),
  ];
}
