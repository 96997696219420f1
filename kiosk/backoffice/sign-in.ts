// Signing in (passkey first, password + TOTP code as the fallback, the single sign-on where the
// deployment has one) and enrolling with the one-time code an administrator handed over
// (create a passkey, or set a password and scan the TOTP secret).
import QRCode from "qrcode";
import { h } from "../lib/dom.ts";
import { lookup, t } from "../i18n/index.ts";
import { get, post, setCsrf } from "./api.ts";
import { enrolPasskey, signInWithPasskey, submitOfficerKey } from "./passkey.ts";
import type { Me } from "./state.ts";
import { busy, button, card, errorSummary, field, heading, input, notice, showErrors } from "./ui.ts";

interface Methods {
  passkey: boolean;
  totp: boolean;
  oidc: { label: string; start: string } | null;
}

export type SignedIn = (me: Me) => void;

export async function signInScreen(onSignedIn: SignedIn, why: string | null): Promise<HTMLElement> {
  const methods = await get<Methods>("/v1/auth/methods").catch(() => ({ passkey: true, totp: true, oidc: null }) as Methods);
  const out = h("div", { class: "out", id: "sign-in-out" });
  const passkeyButton = button(t("backoffice.signIn.passkey"), () => void busy(passkeyButton, out, async () => onSignedIn(await signInWithPasskey())), "primary", { id: "sign-in-passkey" });

  const login = input("login", { autocomplete: "username", id: "totp-login" });
  const password = input("password", { type: "password", autocomplete: "current-password", id: "totp-password" });
  const code = input("code", { inputmode: "numeric", maxlength: 6, autocomplete: "one-time-code", id: "totp-code" });
  const summary = errorSummary();
  const form = h(
    "form",
    { class: "form", id: "totp-form", novalidate: true },
    summary,
    field(t("backoffice.field.login"), login),
    field(t("backoffice.field.password"), password),
    field(t("backoffice.field.totp"), code, t("backoffice.signIn.totpHint")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn secondary", id: "sign-in-totp" }, t("backoffice.signIn.totp"))),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problems = [];
    if (!login.value.trim()) problems.push({ field: "login", text: t("backoffice.form.required", { what: t("backoffice.field.login") }) });
    if (!password.value) problems.push({ field: "password", text: t("backoffice.form.required", { what: t("backoffice.field.password") }) });
    if (!/^\d{6}$/.test(code.value.trim())) problems.push({ field: "code", text: t("backoffice.form.totpFormat") });
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(form.querySelector("button"), out, async () => onSignedIn(await post<Me>("/v1/auth/totp", { login: login.value.trim().toLowerCase(), password: password.value, code: code.value.trim() })));
  });

  const words = why ? (lookup(`backoffice.signedOut.${why}`) ?? lookup(`backoffice.error.${why}`) ?? t("backoffice.signedOut.ended")) : null;
  const reason = words ? notice(words, why === "account_disabled" || why?.startsWith("oidc_") ? "error" : "warn", { id: "signed-out-reason", "data-reason": why! }) : null;
  return h(
    "div",
    { class: "narrow" },
    heading(t("backoffice.signIn.title"), t("backoffice.signIn.lead")),
    reason,
    out,
    card(t("backoffice.signIn.passkeyTitle"), h("p", {}, t("backoffice.signIn.passkeyText")), h("div", { class: "actions start" }, passkeyButton)),
    methods.oidc ? card(t("backoffice.signIn.oidcTitle"), h("a", { class: "btn secondary", href: methods.oidc.start, id: "sign-in-oidc" }, methods.oidc.label)) : null,
    card(t("backoffice.signIn.totpTitle"), form),
    h("p", {}, h("a", { href: "#/enrol", id: "to-enrol" }, t("backoffice.signIn.firstTime"))),
  );
}

export async function enrolScreen(onSignedIn: SignedIn): Promise<HTMLElement> {
  const out = h("div", { class: "out", id: "enrol-out" });
  const login = input("login", { autocomplete: "username", id: "enrol-login" });
  const code = input("code", { id: "enrol-code", placeholder: "ABCD-EFGH-JKLM" });
  const label = input("label", { id: "enrol-label", placeholder: t("backoffice.enrol.labelPlaceholder") });
  const summary = errorSummary();
  const form = h("form", { class: "form", novalidate: true }, summary, field(t("backoffice.field.login"), login), field(t("backoffice.field.enrolmentCode"), code, t("backoffice.enrol.codeHint")));
  const valid = (): boolean => {
    const problems = [];
    if (!login.value.trim()) problems.push({ field: "login", text: t("backoffice.form.required", { what: t("backoffice.field.login") }) });
    if (code.value.replace(/[^A-Za-z0-9]/g, "").length !== 12) problems.push({ field: "code", text: t("backoffice.form.codeFormat") });
    showErrors(form, summary, problems);
    return problems.length === 0;
  };

  const withPasskey = button(t("backoffice.enrol.passkey"), () => {
    if (!valid()) return;
    void busy(withPasskey, out, async () => {
      const { me, response } = await enrolPasskey(login.value.trim().toLowerCase(), code.value.trim(), label.value.trim());
      // An officer's passkey also signs decisions: hand it to the ledger's officer keys at once
      // (a change: it needs the new session's CSRF token). If that fails, "My account" offers it again.
      setCsrf(me.csrfToken);
      if (me.account.roles.includes("repair_officer")) await submitOfficerKey(response, label.value.trim()).catch(() => undefined);
      onSignedIn(me);
    });
  }, "primary", { id: "enrol-passkey" });

  const password = input("password", { type: "password", autocomplete: "new-password", id: "enrol-password" });
  const again = input("again", { type: "password", autocomplete: "new-password", id: "enrol-password-again" });
  const totpArea = h("div", { id: "totp-area" });
  const withTotp = button(t("backoffice.enrol.totp"), () => {
    if (!valid()) return;
    const problems = [];
    if (password.value.length < 12) problems.push({ field: "password", text: t("backoffice.form.passwordLength") });
    else if (password.value !== again.value) problems.push({ field: "again", text: t("backoffice.form.passwordsDiffer") });
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(withTotp, out, async () => {
      const started = await post<{ secret: string; otpauthUri: string }>("/v1/auth/enrol/totp", { login: login.value.trim().toLowerCase(), code: code.value.trim(), password: password.value });
      totpArea.replaceChildren(await totpConfirm(login.value.trim().toLowerCase(), code.value.trim(), started, onSignedIn));
    });
  }, "secondary", { id: "enrol-totp" });

  return h(
    "div",
    { class: "narrow" },
    heading(t("backoffice.enrol.title"), t("backoffice.enrol.lead")),
    out,
    card(null, form),
    card(t("backoffice.enrol.passkeyTitle"), h("p", {}, t("backoffice.enrol.passkeyText")), field(t("backoffice.field.passkeyLabel"), label), h("div", { class: "actions start" }, withPasskey)),
    card(t("backoffice.enrol.totpTitle"), h("p", {}, t("backoffice.enrol.totpText")), field(t("backoffice.field.newPassword"), password, t("backoffice.form.passwordLength")), field(t("backoffice.field.passwordAgain"), again), h("div", { class: "actions start" }, withTotp), totpArea),
    h("p", {}, h("a", { href: "#/" }, t("backoffice.enrol.back"))),
  );
}

async function totpConfirm(login: string, enrolmentCode: string, started: { secret: string; otpauthUri: string }, onSignedIn: SignedIn): Promise<HTMLElement> {
  const out = h("div", { class: "out" });
  const qr = await QRCode.toDataURL(started.otpauthUri, { errorCorrectionLevel: "M", margin: 2, width: 220 });
  const code = input("totp", { inputmode: "numeric", maxlength: 6, id: "enrol-totp-code", autocomplete: "one-time-code" });
  const confirm = button(t("backoffice.enrol.confirm"), () => void busy(confirm, out, async () => onSignedIn(await post<Me>("/v1/auth/enrol/totp/confirm", { login, code: enrolmentCode, totp: code.value.trim() }))), "primary", { id: "enrol-totp-confirm" });
  return h(
    "div",
    { class: "totp-setup" },
    h("img", { src: qr, alt: t("backoffice.enrol.qrAlt"), class: "totp-qr", width: 220, height: 220 }),
    h("div", {}, h("p", {}, t("backoffice.enrol.scan")), h("p", { class: "mono", id: "totp-secret" }, started.secret), field(t("backoffice.field.totp"), code), h("div", { class: "actions start" }, confirm), out),
  );
}
