// The page frame: the bar (brand, the screens the person's roles open, who is signed in, the
// language switch, sign out here or everywhere) and the main area the router fills.
import { h } from "../lib/dom.ts";
import { switchLang, t } from "../i18n/index.ts";
import { post } from "./api.ts";
import { currentPath, navRoutes } from "./router.ts";
import { current } from "./state.ts";
import { word } from "./ui.ts";

export interface Frame {
  main: HTMLElement;
}

export function frame(handlers: { onLang: () => void; onSignedOut: (reason: "signed_out" | "signed_out_everywhere") => void }): Frame {
  const me = current();
  const root = document.getElementById("app")!;
  const path = currentPath();
  const nav = h(
    "nav",
    { class: "nav", "aria-label": t("backoffice.nav.label") },
    ...navRoutes().map((r) => h("a", { href: `#/${r.path}`, class: path.startsWith(r.path.split("/")[0]!) ? "active" : "", "data-nav": r.path }, t(r.nav! as "backoffice.nav.queue"))),
  );
  const langButton = h("button", { type: "button", class: "btn ghost", id: "lang", onclick: () => (switchLang(), handlers.onLang()) }, t("common.langSwitch"));
  const who = me
    ? h(
        "div",
        { class: "who" },
        h("a", { href: "#/me", class: "who-name", id: "who" }, `${me.account.name} · ${me.account.unit}`),
        h("span", { class: "who-roles" }, me.account.roles.map((r) => word("backoffice.role", r)).join(" / ")),
      )
    : null;
  const signOut = me
    ? [
        h("button", { type: "button", class: "btn ghost", id: "sign-out", onclick: () => void post("/v1/auth/sign-out").finally(() => handlers.onSignedOut("signed_out")) }, t("backoffice.signOut")),
        h(
          "button",
          { type: "button", class: "btn ghost", id: "sign-out-everywhere", onclick: () => void post("/v1/auth/sign-out-everywhere").finally(() => handlers.onSignedOut("signed_out_everywhere")) },
          t("backoffice.signOutEverywhere"),
        ),
      ]
    : [];
  const main = h("main", { id: "main", class: "main", tabindex: "-1" });
  root.replaceChildren(
    h("header", { class: "top" }, h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "码"), h("span", {}, t("backoffice.brand"))), nav, h("div", { class: "top-actions" }, who, langButton, ...signOut)),
    main,
  );
  return { main };
}
