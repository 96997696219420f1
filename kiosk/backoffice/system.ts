// The administrator's system screen: officers' decision keys on the ledger (register after
// the admin delay, revoke at once), the policy versions with their local rules (on or off, and
// where each comes from), the holiday calendar (import next year's State Council arrangement;
// the warning from 60 days before the data runs out), the code-signing keys, and the health of
// the chain writes and the anchoring.
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get, post } from "./api.ts";
import { currentPath, go } from "./router.ts";
import { busy, button, card, chip, facts, heading, input, notice, table, word } from "./ui.ts";

interface OfficerKey {
  keyId: string;
  officer: string;
  label: string | null;
  status: string;
  validFrom: string | null;
  chainError: string | null;
  adminTransaction?: { to: string; data: string; chainId: number };
}

interface Policy {
  version: string;
  title: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  source: string;
  refusalRules: Array<{ id: string; type: string; enabled: boolean; source: string; changed?: { enabled: boolean; reasonCode: string; at: string; by: string } }>;
  decisionRules: Array<{ id: string }>;
}

interface CalendarStatus {
  officialThrough: string | null;
  arrangements: Array<{ year: number; status: string; source: { title: string } }>;
  notice: { code: string; words: Record<"zh" | "en", string> } | null;
}

interface Health {
  outbox: { pending: number; sent: number; done: number; failed: number; oldestOpenSeconds: number | null; failures: Array<{ id: number; kind: string; error: string | null; attempts: number; createdAt: string }> };
  anchoring: { ledgerHead: number; anchoredThrough: number; unanchored: number; pendingAnchors: number; lastAnchor: { index: number; toSeq: number; txHash: string | null; confirmedAt: string | null } | null };
}

const reload = () => go(currentPath());
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" }) : "—");

function officerKeysCard(keys: OfficerKey[] | null): HTMLElement {
  const out = h("div", { class: "out", id: "officer-keys-out" });
  if (keys === null) return card(t("backoffice.system.officerKeys"), notice(t("backoffice.system.officerKeysUnavailable"), "warn"));
  const rows = keys.map((k) => [
    h("code", { class: "mono" }, `${k.keyId.slice(0, 18)}…`),
    k.officer,
    k.label ?? "—",
    chip(word("backoffice.keyStatus", k.status), k.status === "active" ? "ok" : k.status === "revoked" || k.status === "chain_failed" ? "no" : "warn", { "data-key-status": k.keyId }),
    when(k.validFrom),
    h(
      "div",
      { class: "actions start" },
      k.status === "requested" ? button(t("backoffice.system.registerKey"), () => void busy(null, out, async () => (await post(`/v1/officer-keys/${k.keyId}/register`), reload())), "primary", { "data-register": k.keyId }) : null,
      ["active", "waiting_delay", "registering", "awaiting_admin"].includes(k.status) ? button(t("backoffice.system.revokeKey"), () => void busy(null, out, async () => (await post(`/v1/officer-keys/${k.keyId}/revoke`), reload())), "danger", { "data-revoke-key": k.keyId }) : null,
      k.chainError ? h("small", { class: "bad" }, k.chainError) : null,
    ),
  ]);
  return card(t("backoffice.system.officerKeys"), h("p", { class: "hint" }, t("backoffice.system.officerKeysText")), out, rows.length ? table([t("backoffice.system.keyId"), t("backoffice.col.officer"), t("backoffice.system.label"), t("backoffice.col.status"), t("backoffice.system.validFrom"), ""], rows, { id: "officer-key-table" }) : h("p", { class: "hint" }, t("backoffice.system.noKeys")));
}

interface RuleReason {
  code: string;
  zh: string;
  en: string;
}

/** A local rule's switch: a reason from the API's list, then on or off (a ledger entry). */
function ruleSwitch(version: string, rule: Policy["refusalRules"][number], reasons: RuleReason[], out: HTMLElement): HTMLElement {
  const key = `${version}/${rule.id}`;
  const pick = h(
    "select",
    { class: "input", "data-rule-reason": key, "aria-label": t("backoffice.system.ruleReason") },
    h("option", { value: "" }, t("backoffice.system.ruleReason")),
    ...reasons.map((r) => h("option", { value: r.code }, r[lang()])),
  ) as HTMLSelectElement;
  const toggle = button(t(rule.enabled ? "backoffice.system.turnOff" : "backoffice.system.turnOn"), () => {
    if (!pick.value) return out.replaceChildren(notice(t("backoffice.system.ruleReasonNeeded"), "error", { id: "rule-reason-needed" }));
    void busy(toggle, out, async () => {
      await post(`/v1/credit/policies/${encodeURIComponent(version)}/local-rules/${encodeURIComponent(rule.id)}`, { enabled: !rule.enabled, reasonCode: pick.value });
      go(currentPath());
    });
  }, rule.enabled ? "secondary" : "danger", { "data-rule-toggle": key });
  return h("div", { class: "inline-form" }, pick, toggle);
}

function changedText(rule: Policy["refusalRules"][number], reasons: RuleReason[]): string {
  const c = rule.changed;
  if (!c) return t("backoffice.system.ruleDefault");
  const reason = reasons.find((r) => r.code === c.reasonCode)?.[lang()] ?? c.reasonCode;
  return `${when(c.at)} · ${c.by} · ${reason}`;
}

function policiesCard(policies: Policy[], reasons: RuleReason[] | null): HTMLElement {
  const out = h("div", { class: "out", id: "rules-out" });
  return card(
    t("backoffice.system.policies"),
    ...policies.map((p) =>
      h(
        "details",
        { class: "policy", "data-policy": p.version },
        h("summary", {}, `${p.version} · ${p.title} (${p.effectiveFrom} → ${p.effectiveTo ?? t("backoffice.system.open")})`),
        h("p", { class: "hint" }, p.source),
        p.refusalRules.length
          ? table(
              [t("backoffice.system.rule"), t("backoffice.system.ruleState"), t("backoffice.system.ruleSource"), t("backoffice.system.ruleChanged"), ""],
              p.refusalRules.map((r) => [
                h("code", {}, r.id),
                chip(r.enabled ? t("backoffice.system.on") : t("backoffice.system.off"), r.enabled ? "warn" : "muted", { "data-rule-state": `${p.version}/${r.id}`, "data-enabled": String(r.enabled) }),
                r.source,
                changedText(r, reasons ?? []),
                reasons ? ruleSwitch(p.version, r, reasons, out) : "",
              ]),
            )
          : h("p", { class: "hint" }, t("backoffice.system.noLocalRules")),
      ),
    ),
    h("p", { class: "hint" }, t("backoffice.system.localRulesNote")),
    out,
  );
}

function calendarCard(status: CalendarStatus): HTMLElement {
  const out = h("div", { class: "out", id: "calendar-out" });
  const year = input("year", { type: "number", id: "calendar-year", value: new Date().getFullYear() + 1, min: 2000, max: 2100 });
  const title = input("title", { id: "calendar-title", placeholder: "国务院办公厅关于2027年部分节假日安排的通知" });
  const text = h("textarea", { class: "input", rows: 6, id: "calendar-text", placeholder: t("backoffice.system.calendarPaste") });
  const submit = button(t("backoffice.system.calendarImport"), () =>
    void busy(submit, out, async () => {
      const raw = text.value.trim();
      const body = raw.startsWith("{") ? { arrangement: JSON.parse(raw) as unknown } : { notice: { year: Number(year.value), text: raw, source: { title: title.value.trim() || `${year.value}` } } };
      await post("/v1/holiday-arrangements", body);
      reload();
    }), "primary", { id: "calendar-import" });
  return card(
    t("backoffice.system.calendar"),
    status.notice ? notice(status.notice.words[lang()], "warn", { id: "calendar-warning" }) : notice(t("backoffice.system.calendarOk", { until: status.officialThrough ?? "—" }), "ok"),
    table([t("backoffice.system.year"), t("backoffice.col.status"), t("backoffice.system.ruleSource")], status.arrangements.map((a) => [String(a.year), chip(word("backoffice.calendarStatus", a.status), a.status === "official" ? "ok" : "warn"), a.source.title])),
    h("h3", {}, t("backoffice.system.calendarNew")),
    h("div", { class: "inline-form" }, h("label", {}, t("backoffice.system.year"), year), h("label", { class: "grow" }, t("backoffice.system.calendarTitle"), title)),
    text,
    h("div", { class: "actions start" }, submit),
    out,
  );
}

function keysCard(jwks: { keys: Array<{ kid: string; retired_at?: number; compromised_at?: number }> }): HTMLElement {
  return card(
    t("backoffice.system.codeKeys"),
    table([t("backoffice.system.kid"), t("backoffice.col.status")], jwks.keys.map((k) => [h("code", {}, k.kid), k.compromised_at ? chip(t("backoffice.system.compromised"), "no") : k.retired_at ? chip(t("backoffice.system.retired"), "muted") : chip(t("backoffice.system.current"), "ok")])),
    h("p", { class: "hint" }, t("backoffice.system.rotateHint")),
  );
}

function healthCard(health: Health): HTMLElement {
  const o = health.outbox;
  const a = health.anchoring;
  return card(
    t("backoffice.system.health"),
    h(
      "div",
      { class: "counts" },
      ...[
        [t("backoffice.system.backlog"), o.pending + o.sent, o.pending + o.sent > 100 ? "warn" : ""],
        [t("backoffice.system.failed"), o.failed, o.failed ? "no" : ""],
        [t("backoffice.system.unanchored"), a.unanchored, a.unanchored > 5000 ? "warn" : ""],
        [t("backoffice.system.ledgerHead"), a.ledgerHead, ""],
      ].map(([label, n, tone]) => h("div", { class: `count-box ${tone}` }, h("strong", {}, String(n)), h("span", {}, String(label)))),
    ),
    facts([
      [t("backoffice.system.oldestOpen"), o.oldestOpenSeconds === null ? "—" : t("backoffice.system.seconds", { n: o.oldestOpenSeconds })],
      [t("backoffice.system.lastAnchor"), a.lastAnchor ? `#${a.lastAnchor.index} · ${t("backoffice.system.through", { seq: a.lastAnchor.toSeq })} · ${when(a.lastAnchor.confirmedAt)}` : t("backoffice.system.noAnchor")],
    ]),
    o.failures.length ? table([t("backoffice.system.write"), t("backoffice.system.error"), t("backoffice.system.attempts"), t("backoffice.col.when")], o.failures.map((f) => [`#${f.id} ${f.kind}`, h("code", {}, f.error ?? ""), String(f.attempts), when(f.createdAt)])) : null,
  );
}

export async function systemScreen(): Promise<HTMLElement> {
  const [keys, policies, calendar, jwks, health, ruleReasons] = await Promise.all([
    get<{ items: OfficerKey[] }>("/v1/officer-keys").then((r) => r.items).catch(() => null),
    get<{ policies: Policy[] }>("/v1/credit/policies"),
    get<CalendarStatus>("/v1/holiday-arrangements"),
    get<{ keys: Array<{ kid: string }> }>("/.well-known/jwks.json"),
    get<Health>("/v1/backoffice/health"),
    get<{ reasons: RuleReason[] }>("/v1/credit/local-rule-reasons").then((r) => r.reasons).catch(() => null),
  ]);
  return h("div", {}, heading(t("backoffice.system.title"), t("backoffice.system.lead")), healthCard(health), officerKeysCard(keys), calendarCard(calendar), policiesCard(policies.policies, ruleReasons), keysCard(jwks));
}
