// The administrator's accounts screen: operator accounts (create with a one-time enrolment
// code, change roles, disable — its sessions stop at once —, enable, reset a lost second
// factor) and machine tokens (issue with a name and a lifetime, shown once; revoke).
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get, patch, post } from "./api.ts";
import { currentPath, go } from "./router.ts";
import { current, type Role } from "./state.ts";
import { busy, button, card, chip, errorSummary, field, heading, input, notice, select, showErrors, table, word } from "./ui.ts";

export const ACCOUNT_ROLES: Role[] = ["repair_officer", "registrar", "credit_agency", "supervisor", "auditor", "admin"];
const MACHINE_ROLES = ["credit_agency", "kiosk", "registrar", "auditor"];

interface Account {
  id: string;
  login: string;
  name: string;
  unit: string;
  roles: Role[];
  status: "active" | "disabled";
  secondFactors: { passkeys: number | null; totp: boolean; oidc: boolean };
  enrolmentPending: boolean;
  openSessions: number | null;
  lastSignIn: string | null;
  lockedUntil: string | null;
}

interface MachineToken {
  jti: string;
  name: string;
  role: string;
  sub: string;
  issuedAt: string;
  expiresAt: string;
  issuedBy: string | null;
  firstSeenAt: string | null;
  state: "valid" | "expired" | "revoked";
}

const reload = () => go(currentPath());
const day = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" }) : "—");

function roleBoxes(prefix: string, chosen: Role[]): HTMLElement {
  return h("div", { class: "checks" }, ...ACCOUNT_ROLES.map((r) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "roles", value: r, checked: chosen.includes(r), id: `${prefix}-${r}` }), word("backoffice.role", r))));
}

const rolesIn = (el: HTMLElement) => [...el.querySelectorAll<HTMLInputElement>("input[name=roles]:checked")].map((i) => i.value as Role);

function enrolmentShown(login: string, code: string, expires: string): HTMLElement {
  return notice(t("backoffice.admin.enrolmentCode", { login, code, until: day(expires) }), "ok", { id: "enrolment-code", "data-code": code });
}

function createCard(): HTMLElement {
  const out = h("div", { class: "out", id: "create-out" });
  const summary = errorSummary();
  const login = input("login", { id: "new-login", placeholder: "zhang.officer" });
  const name = input("name", { id: "new-name" });
  const unit = input("unit", { id: "new-unit" });
  const roles = roleBoxes("new-role", []);
  const form = h("form", { class: "form", id: "create-account", novalidate: true }, summary, field(t("backoffice.field.login"), login, t("backoffice.admin.loginHint")), field(t("backoffice.field.name"), name), field(t("backoffice.field.unit"), unit), h("fieldset", {}, h("legend", {}, t("backoffice.admin.roles")), roles, h("input", { type: "hidden", name: "rolesField" })), h("div", { class: "actions" }, h("button", { type: "submit", class: "btn primary" }, t("backoffice.admin.create"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problems = [];
    if (!/^[a-z0-9][a-z0-9._-]{1,39}$/.test(login.value.trim())) problems.push({ field: "login", text: t("backoffice.form.login") });
    if (!name.value.trim()) problems.push({ field: "name", text: t("backoffice.form.required", { what: t("backoffice.field.name") }) });
    if (!unit.value.trim()) problems.push({ field: "unit", text: t("backoffice.form.required", { what: t("backoffice.field.unit") }) });
    if (rolesIn(roles).length === 0) problems.push({ field: "rolesField", text: t("backoffice.form.roles") });
    showErrors(form, summary, problems);
    if (problems.length) return;
    void busy(form.querySelector("button"), out, async () => {
      const made = await post<{ account: Account; enrolmentCode: string; enrolmentExpires: string }>("/v1/admin/operators", { login: login.value.trim(), name: name.value.trim(), unit: unit.value.trim(), roles: rolesIn(roles) });
      form.reset();
      out.replaceChildren(enrolmentShown(made.account.login, made.enrolmentCode, made.enrolmentExpires));
    });
  });
  return card(t("backoffice.admin.createTitle"), form, out);
}

function accountRow(a: Account, out: HTMLElement): Array<HTMLElement | string> {
  const me = current()!;
  const roles = roleBoxes(`roles-${a.id}`, a.roles);
  const saveRoles = button(t("backoffice.admin.saveRoles"), () => void busy(saveRoles, out, async () => (await patch(`/v1/admin/operators/${a.id}`, { roles: rolesIn(roles) }), reload())), "secondary", { "data-save-roles": a.id });
  const toggle =
    a.status === "active"
      ? button(t("backoffice.admin.disable"), () => void busy(null, out, async () => (await post(`/v1/admin/operators/${a.id}/disable`), reload())), "danger", { "data-disable": a.id, disabled: a.id === me.account.id })
      : button(t("backoffice.admin.enable"), () => void busy(null, out, async () => (await post(`/v1/admin/operators/${a.id}/enable`), reload())), "secondary", { "data-enable": a.id });
  const reset = button(t("backoffice.admin.reset"), () =>
    void busy(null, out, async () => {
      const r = await post<{ enrolmentCode: string; enrolmentExpires: string }>(`/v1/admin/operators/${a.id}/enrolment`);
      out.replaceChildren(enrolmentShown(a.login, r.enrolmentCode, r.enrolmentExpires));
    }), "link", { "data-reset": a.id });
  const factors = [a.secondFactors.passkeys ? t("backoffice.admin.passkeys", { n: a.secondFactors.passkeys }) : null, a.secondFactors.totp ? "TOTP" : null, a.secondFactors.oidc ? "SSO" : null].filter(Boolean).join(" · ");
  return [
    h("span", {}, h("strong", {}, a.name), h("br", {}), h("small", {}, a.login)),
    a.unit,
    h("div", {}, roles, saveRoles),
    a.status === "active" ? chip(t("backoffice.admin.active"), "ok") : chip(t("backoffice.admin.disabled"), "no", { "data-disabled": a.id }),
    a.enrolmentPending ? chip(t("backoffice.admin.enrolmentPending"), "warn") : factors || "—",
    String(a.openSessions ?? 0),
    day(a.lastSignIn),
    h("div", { class: "actions start" }, toggle, reset),
  ];
}

function tokensCard(tokens: MachineToken[]): HTMLElement {
  const out = h("div", { class: "out", id: "token-out" });
  const name = input("name", { id: "token-name", placeholder: t("backoffice.admin.tokenNamePlaceholder") });
  const role = select("role", MACHINE_ROLES.map((r) => ({ value: r, label: word("backoffice.role", r) })), { id: "token-role" });
  const sub = input("sub", { id: "token-sub", placeholder: "agency-feed" });
  const days = input("days", { id: "token-days", type: "number", min: 1, max: 90, value: 30 });
  const issue = button(t("backoffice.admin.issueToken"), () =>
    void busy(issue, out, async () => {
      const made = await post<{ token: string; expiresAt: string }>("/v1/admin/machine-tokens", { name: name.value.trim(), role: role.value, sub: sub.value.trim(), lifetimeDays: Number(days.value) });
      out.replaceChildren(notice(t("backoffice.admin.tokenOnce", { until: day(made.expiresAt) }), "ok"), h("textarea", { class: "input mono", readonly: true, rows: 3, id: "issued-token" }, made.token));
    }), "primary", { id: "issue-token" });
  const rows = tokens.map((k) => [
    h("span", {}, h("strong", {}, k.name), h("br", {}), h("small", { class: "mono" }, k.jti)),
    `${word("backoffice.role", k.role)} · ${k.sub}`,
    day(k.issuedAt),
    day(k.expiresAt),
    k.issuedBy ?? t("backoffice.admin.mintedByCommand"),
    day(k.firstSeenAt),
    chip(word("backoffice.tokenState", k.state), k.state === "valid" ? "ok" : "muted", { "data-token-state": k.jti }),
    k.state === "valid" ? button(t("backoffice.admin.revoke"), () => void busy(null, out, async () => (await post(`/v1/admin/machine-tokens/${k.jti}/revoke`), reload())), "danger", { "data-revoke": k.jti }) : "",
  ]);
  return card(
    t("backoffice.admin.tokensTitle"),
    h("p", { class: "hint" }, t("backoffice.admin.tokensText")),
    h("div", { class: "inline-form" }, h("label", {}, t("backoffice.admin.tokenName"), name), h("label", {}, t("backoffice.admin.roles"), role), h("label", {}, t("backoffice.admin.tokenSub"), sub), h("label", {}, t("backoffice.admin.tokenDays"), days), issue),
    out,
    table([t("backoffice.admin.tokenName"), t("backoffice.admin.roles"), t("backoffice.admin.issued"), t("backoffice.admin.expires"), t("backoffice.admin.issuedBy"), t("backoffice.admin.firstSeen"), t("backoffice.col.status"), ""], rows, { id: "token-table" }),
  );
}

export async function adminScreen(): Promise<HTMLElement> {
  const [accounts, tokens] = await Promise.all([get<{ items: Account[] }>("/v1/admin/operators"), get<{ items: MachineToken[] }>("/v1/admin/machine-tokens")]);
  const out = h("div", { class: "out", id: "accounts-out" });
  return h(
    "div",
    {},
    heading(t("backoffice.admin.title"), t("backoffice.admin.lead")),
    createCard(),
    card(
      t("backoffice.admin.accountsTitle"),
      out,
      table(
        [t("backoffice.field.name"), t("backoffice.field.unit"), t("backoffice.admin.roles"), t("backoffice.col.status"), t("backoffice.admin.factors"), t("backoffice.admin.sessions"), t("backoffice.admin.lastSignIn"), ""],
        accounts.items.map((a) => accountRow(a, out)),
        { id: "account-table" },
      ),
    ),
    tokensCard(tokens.items),
  );
}
