// What an officer does with an application: accept it, extend the decision period once (a
// reason from the API's list), approve or refuse it (a refusal reason from the API's list).
// A decision is signed on this device with the officer's own passkey: the page fetches the
// decision document and the typed data, recomputes the document's SHA-256 and every record's
// EIP-712 digest itself (protocol/repair/decision-digest.ts) and signs nothing that differs;
// the challenge of each WebAuthn assertion is that digest (officer-api.md, section 2).
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { challengeOf, decisionDigest, type Hex, type LedgerDomain } from "../../protocol/repair/decision-digest.ts";
import { get, post, query } from "./api.ts";
import { currentPath, go } from "./router.ts";
import { busy, button, notice, select } from "./ui.ts";

export interface ApplicationView {
  id: string;
  chainId: string;
  status: "submitted" | "accepted" | "awaiting_second" | "approved" | "refused";
  decisionMode: string;
  policyVersion: string;
  ruleId: string;
  filedAt: string;
  extension: { at: string; reasonCode: string; words: Record<"zh" | "en", string> | null } | null;
  due: { step: string | null; dueOn: string | null; provisional: boolean; overdue: boolean; workingDaysLeft: number | null };
  records: Array<{ id: string; chainId: string; kind: string; severity: string; decisionNo: string; status: string }>;
  decisions: Array<{
    step: string;
    outcome: string;
    officer: string;
    reason: string | null;
    /** An officer's refusal: the reason's code and words (GET …/refusal-reasons), and the officer's note. */
    reasonCode?: string | null;
    reasonWords?: Record<"zh" | "en", string> | null;
    note?: string | null;
    reasons: never[];
    decidedAt: string;
  }>;
  chain?: { state: string; writes: Array<{ recordId: string; status: string; error: string | null }> };
}

interface Reason {
  code: string;
  zh: string;
  en: string;
}

interface ToSign {
  step: "final" | "proposal" | "confirmation";
  outcome: string;
  document: string;
  documentDigest: Hex;
  domain: LedgerDomain & { name: string; version: string };
  records: Array<{ recordId: string; message: { recordId: Hex; applicationId: Hex; outcome: 1 | 2; decisionDigest: Hex; policyVersion: string; ruleId: string; nonce: string; deadline: string }; digest: Hex; challenge: string }>;
  allowCredentials: Array<{ type: "public-key"; id: string; keyId: Hex }>;
  firstOfficer: string | null;
}

const b64urlToBytes = (s: string) => {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
};
const bytesToB64url = (buffer: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const hexOf = (buffer: ArrayBuffer) => `0x${[...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;

const reload = () => go(currentPath());

async function reasons(url: string): Promise<Reason[]> {
  return (await get<{ reasons: Reason[] }>(url)).reasons;
}

function reasonSelect(id: string, list: Reason[]): HTMLSelectElement {
  return select("reason", [{ value: "", label: t("backoffice.decide.pickReason") }, ...list.map((r) => ({ value: r.code, label: r[lang()] }))], { id });
}

/** The checks the page makes before it lets the passkey sign: the same document, the same digests. */
export async function checkToSign(toSign: ToSign, view: Pick<ApplicationView, "chainId">, outcome: string): Promise<string | null> {
  const sha = hexOf(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(toSign.document)));
  if (sha !== toSign.documentDigest.toLowerCase()) return "document_digest";
  const doc = JSON.parse(toSign.document) as { applicationId?: string; outcome?: string };
  if (doc.applicationId?.replace(/^0x/, "") !== view.chainId.replace(/^0x/, "") || doc.outcome !== outcome) return "document_fields";
  for (const r of toSign.records) {
    const m = r.message;
    if (m.decisionDigest.toLowerCase() !== sha) return "record_document";
    const digest = decisionDigest(toSign.domain, { ...m, nonce: BigInt(m.nonce), deadline: BigInt(m.deadline) });
    if (digest !== r.digest) return "record_digest";
  }
  return null;
}

/** One assertion per record, each over that record's digest; null when the officer cancels. */
async function signAll(toSign: ToSign) {
  const allow = toSign.allowCredentials.map((c) => ({ type: "public-key" as const, id: b64urlToBytes(c.id) }));
  const signatures = [];
  for (const r of toSign.records) {
    const digest = decisionDigest(toSign.domain, { ...r.message, nonce: BigInt(r.message.nonce), deadline: BigInt(r.message.deadline) });
    const cred = (await navigator.credentials.get({ publicKey: { challenge: challengeOf(digest), allowCredentials: allow, userVerification: "required", timeout: 120_000 } })) as PublicKeyCredential | null;
    if (!cred) throw new DOMException("cancelled", "NotAllowedError");
    const response = cred.response as AuthenticatorAssertionResponse;
    const used = bytesToB64url(cred.rawId);
    const key = toSign.allowCredentials.find((c) => c.id === used);
    signatures.push({
      recordId: r.recordId,
      nonce: r.message.nonce,
      deadline: r.message.deadline,
      keyId: key?.keyId ?? toSign.allowCredentials[0]!.keyId,
      authenticatorData: bytesToB64url(response.authenticatorData),
      clientDataJSON: bytesToB64url(response.clientDataJSON),
      signature: bytesToB64url(response.signature),
    });
  }
  return signatures;
}

/** A refusal's reason: a code from the API's list, and the officer's optional note (kept off the ledger by the API). */
interface Refusal {
  code: string;
  note?: string;
}

function signPanel(view: ApplicationView, outcome: "approved" | "refused", refusal: Refusal | undefined, out: HTMLElement): Promise<HTMLElement> {
  return (async () => {
    const reason = refusal ? { reasonCode: refusal.code, ...(refusal.note ? { reason: refusal.note } : {}) } : {};
    const toSign = await get<ToSign>(`/v1/repair-applications/${view.id}/decision-digest${query({ outcome, ...reason })}`);
    const problem = await checkToSign(toSign, view, outcome);
    if (problem) return notice(t("backoffice.decide.mismatch"), "error", { id: "sign-mismatch", "data-problem": problem });
    const signButton = button(t("backoffice.decide.sign", { n: toSign.records.length }), () =>
      void busy(signButton, out, async () => {
        const signatures = await signAll(toSign);
        await post(`/v1/repair-applications/${view.id}/decide`, { outcome, ...reason, document: toSign.document, signatures });
        reload();
      }), outcome === "approved" ? "primary" : "danger", { id: "sign-decision" });
    return h(
      "div",
      { class: "sign-panel", id: "sign-panel", "data-step": toSign.step },
      h("h3", {}, t(`backoffice.decide.step.${toSign.step}` as "backoffice.decide.step.final")),
      toSign.firstOfficer ? h("p", {}, t("backoffice.decide.firstOfficer")) : null,
      h("p", {}, t("backoffice.decide.explain")),
      h("details", {}, h("summary", {}, t("backoffice.decide.document")), h("pre", { class: "mono doc" }, JSON.stringify(JSON.parse(toSign.document), null, 2))),
      h("ul", { class: "digests" }, ...toSign.records.map((r) => h("li", { class: "mono" }, r.digest))),
      h("div", { class: "actions start" }, signButton, button(t("backoffice.cancel"), reload, "link")),
    );
  })();
}

export function actionsFor(view: ApplicationView): HTMLElement {
  const out = h("div", { class: "out", id: "action-out" });
  const area = h("div", { id: "action-area" });
  const box = h("div", { class: "actions-box" }, out, area);

  if (view.status === "approved" || view.status === "refused") {
    area.append(notice(t(view.status === "approved" ? "backoffice.decide.doneApproved" : "backoffice.decide.doneRefused"), view.status === "approved" ? "ok" : "info", { id: "decided" }));
    return box;
  }
  if (view.status === "submitted") {
    const accept = button(t("backoffice.decide.accept"), () => void busy(accept, out, async () => (await post(`/v1/repair-applications/${view.id}/accept`), reload())), "primary", { id: "accept" });
    area.append(h("p", {}, t("backoffice.decide.acceptText")), accept);
    return box;
  }

  const decisionArea = h("div", { id: "decision-area" });
  const approve = button(t(view.status === "awaiting_second" ? "backoffice.decide.confirm" : "backoffice.decide.approve"), () =>
    void busy(approve, out, async () => decisionArea.replaceChildren(await signPanel(view, "approved", undefined, out))), "primary", { id: "approve" });

  const refuseBox = h("div", { class: "inline-form" });
  const refuse = button(t("backoffice.decide.refuse"), () =>
    void busy(refuse, out, async () => {
      const list = await reasons("/v1/repair-applications/refusal-reasons");
      const pick = reasonSelect("refuse-reason", list);
      const note = h("textarea", { class: "input", id: "refuse-note", rows: 2, maxlength: 2000, placeholder: t("backoffice.decide.refuseNoteHint") });
      pick.addEventListener("change", () => out.replaceChildren()); // a reason chosen: the request for one is answered
      const go2 = button(t("backoffice.decide.refuseContinue"), () => {
        if (!pick.value) return out.replaceChildren(notice(t("backoffice.decide.pickReason"), "error"));
        void busy(go2, out, async () => decisionArea.replaceChildren(await signPanel(view, "refused", { code: pick.value, note: note.value.trim() || undefined }, out)));
      }, "danger", { id: "refuse-continue" });
      refuseBox.replaceChildren(
        h("label", {}, t("backoffice.decide.refuseReason"), pick),
        h("label", {}, t("backoffice.decide.refuseNote"), note),
        h("p", { class: "hint" }, t("backoffice.decide.refuseNoteOffLedger")),
        go2,
      );
    }), "danger", { id: "refuse" });

  const extendBox = h("div", { class: "inline-form" });
  const extend = button(t("backoffice.decide.extend"), () =>
    void busy(extend, out, async () => {
      const list = await reasons("/v1/repair-applications/extension-reasons");
      const pick = reasonSelect("extend-reason", list);
      const confirm = button(t("backoffice.decide.extendConfirm"), () => {
        if (!pick.value) return out.replaceChildren(notice(t("backoffice.decide.pickReason"), "error"));
        void busy(confirm, out, async () => (await post(`/v1/repair-applications/${view.id}/extend`, { reasonCode: pick.value }), reload()));
      }, "secondary", { id: "extend-confirm" });
      extendBox.replaceChildren(h("label", {}, t("backoffice.decide.extendReason"), pick), confirm);
    }), "secondary", { id: "extend", disabled: view.extension !== null });

  if (view.status === "awaiting_second") area.append(notice(t("backoffice.decide.awaitingSecond"), "warn", { id: "awaiting-second" }));
  area.append(
    h("div", { class: "actions start" }, approve, refuse, extend),
    refuseBox,
    extendBox,
    decisionArea,
  );
  return box;
}
