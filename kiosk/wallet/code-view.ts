// The code on the phone: the bound token the API issued (it lives hours) plus a fresh device
// signature (protocol/codes/device-proof.ts) made here with the non-extractable device key. The
// phone re-signs every PROOF_REFRESH_MS on the issuer's clock (its offset measured at each code
// refresh), so what an official scans is at most a few seconds old and a screenshot is refused
// after 30 s, with no network anywhere. The QR is drawn here (qrcode: the "OC2:/" prefix in
// alphanumeric mode, the digits in numeric mode, error correction M).
import QRCode from "qrcode";
import { h } from "../lib/dom.ts";
import { timeOf } from "../lib/time.ts";
import { lang, t } from "../i18n/index.ts";
import { BOUND_QR_PREFIX, boundQrText, signDeviceProof, windowStartAt } from "../../protocol/codes/device-proof.ts";
import type { Binding } from "./store.ts";

/**
 * How often the phone signs a new proof; the proof itself is good for 30 s. Every 3 s (the page's
 * 1-second timer re-signs up to a second late): a live phone's proof is then at most about 4 s
 * old when scanned, inside the 5 s beyond which the verifier warns that the phone's time is off
 * (a screenshot, or a wrong clock).
 */
export const PROOF_REFRESH_MS = 3_000;

export interface ShownCode {
  text: string;
  windowStart: number;
  png: string;
}

/** Signs a proof for now and draws the QR. */
export async function drawCode(binding: Binding, nowMs = Date.now()): Promise<ShownCode> {
  const code = binding.code!;
  const windowStart = windowStartAt(nowMs + binding.clockOffsetMs);
  const proof = await signDeviceProof(binding.keys.privateKey, code.tokenId, windowStart);
  const text = boundQrText(code.token, proof);
  const segments = [
    { data: BOUND_QR_PREFIX, mode: "alphanumeric" as const },
    { data: text.slice(BOUND_QR_PREFIX.length), mode: "numeric" as const },
  ];
  const png = await QRCode.toDataURL(segments, { errorCorrectionLevel: "M", margin: 4, scale: 4, color: { dark: "#000000", light: "#ffffff" } });
  return { text, windowStart, png };
}

/** Seconds left until the phone shows the next proof. */
export function secondsToNext(shown: ShownCode, binding: Binding, nowMs = Date.now()): number {
  const elapsed = (nowMs + binding.clockOffsetMs) / 1000 - shown.windowStart;
  return Math.max(0, Math.ceil(PROOF_REFRESH_MS / 1000 - elapsed));
}

/** The code card: QR, whose it is, how it refreshes, how long the token on this phone lasts. */
export function codeCard(binding: Binding, shown: ShownCode | null, state: { online: boolean; expired: boolean }): HTMLElement {
  const s = binding.subject;
  const left = shown ? secondsToNext(shown, binding) : 0;
  // Through the CSSOM, not a style attribute: nothing here is parsed as markup or CSS text.
  const bar = h("div", { class: "bar" });
  bar.style.width = `${Math.round((left / (PROOF_REFRESH_MS / 1000)) * 100)}%`;
  return h(
    "section",
    { class: "card code-card", "data-test": "code-card" },
    h("p", { class: "kind" }, t(s.kind === "enterprise" ? "wallet.kind.enterprise" : "wallet.kind.person")),
    h("h2", { class: "subject", "data-test": "subject-name" }, s.displayName),
    // Who holds it, for an enterprise's code only: a person's own code would name them twice.
    binding.holder.capacity === "self"
      ? null
      : h("p", { class: "held-by" }, t("wallet.heldBy", { name: binding.holder.displayName, capacity: t(`wallet.capacity.${binding.holder.capacity}` as "wallet.capacity.self") })),
    shown && !state.expired
      ? h("img", { class: "qr", src: shown.png, alt: t("wallet.codeTitle"), "data-test": "qr", "data-window": shown.windowStart })
      : h("p", { class: "notice", "data-test": "code-missing" }, t(binding.code ? "wallet.codeNeedSignIn" : "wallet.codeNone")),
    shown && !state.expired
      ? h(
          "div",
          { class: "refresh" },
          bar,
          h("p", { "data-test": "countdown" }, t("wallet.codeDynamic", { s: left })),
        )
      : null,
    h("p", { class: "rule" }, t("wallet.codeRule")),
    binding.code ? h("p", { class: "hint", "data-test": "valid-until" }, t("wallet.codeValidUntil", { time: timeOf(binding.code.expiresAt) })) : null,
    state.online ? null : h("p", { class: "offline", "data-test": "offline" }, t("wallet.codeOffline")),
    h("p", { class: "credit" }, `${t("wallet.creditStatus")}${lang() === "zh" ? "：" : ": "}`, h("b", { "data-test": "credit" }, t(`wallet.credit.${s.creditStatus}` as "wallet.credit.good"))),
  );
}
