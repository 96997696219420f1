// My account: the passkeys I sign in with, another passkey (for a repair officer also handed
// to the ledger's officer keys, which an admin then registers), my decision keys' state, and
// signing out on every device.
import { h } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get } from "./api.ts";
import { addPasskey, submitOfficerKey } from "./passkey.ts";
import { currentPath, go } from "./router.ts";
import { current, hasRole } from "./state.ts";
import { busy, button, card, chip, facts, heading, input, table, word } from "./ui.ts";

export async function meScreen(): Promise<HTMLElement> {
  const me = current()!;
  const out = h("div", { class: "out", id: "me-out" });
  const passkeys = await get<{ items: Array<{ credentialId: string; label: string; createdAt: string; lastUsedAt: string | null }> }>("/v1/auth/passkeys");
  const officer = hasRole("repair_officer");
  const keys = officer ? await get<{ items: Array<{ keyId: string; label: string | null; status: string; validFrom: string | null }> }>("/v1/me/officer-keys").catch(() => ({ items: [] })) : { items: [] };
  const label = input("label", { id: "new-passkey-label", placeholder: t("backoffice.enrol.labelPlaceholder") });
  const add = button(t("backoffice.me.addPasskey"), () =>
    void busy(add, out, async () => {
      const response = await addPasskey(label.value.trim());
      if (officer) await submitOfficerKey(response, label.value.trim());
      go(currentPath());
    }), "primary", { id: "add-passkey" });
  const day = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" }) : "—");
  return h(
    "div",
    {},
    heading(t("backoffice.me.title")),
    card(null, facts([[t("backoffice.field.name"), me.account.name], [t("backoffice.field.unit"), me.account.unit], [t("backoffice.field.login"), me.account.login], [t("backoffice.admin.roles"), me.account.roles.map((r) => word("backoffice.role", r)).join(" / ")], [t("backoffice.me.method"), word("backoffice.method", me.method)]])),
    card(
      t("backoffice.me.passkeys"),
      passkeys.items.length ? table([t("backoffice.system.label"), t("backoffice.admin.issued"), t("backoffice.me.lastUsed")], passkeys.items.map((p) => [p.label || "—", day(p.createdAt), day(p.lastUsedAt)]), { id: "passkey-table" }) : h("p", { class: "hint" }, t("backoffice.me.noPasskeys")),
      h("p", { class: "hint" }, officer ? t("backoffice.me.officerHint") : t("backoffice.me.passkeyHint")),
      h("div", { class: "inline-form" }, h("label", {}, t("backoffice.field.passkeyLabel"), label), add),
      out,
    ),
    officer
      ? card(
          t("backoffice.me.officerKeys"),
          keys.items.length ? table([t("backoffice.system.keyId"), t("backoffice.system.label"), t("backoffice.col.status"), t("backoffice.system.validFrom")], keys.items.map((k) => [h("code", {}, `${k.keyId.slice(0, 18)}…`), k.label ?? "—", chip(word("backoffice.keyStatus", k.status), k.status === "active" ? "ok" : "warn", { "data-my-key": k.status }), day(k.validFrom)]), { id: "my-key-table" }) : h("p", { class: "hint" }, t("backoffice.me.noOfficerKeys")),
        )
      : null,
  );
}
