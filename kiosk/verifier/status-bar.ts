// The always-visible line under the title: online or offline, how old the cached data is
// against its hard maximum, whether the page opens offline, and a clock-skew warning.
import type { DataAge } from "../../protocol/codes/offline-verifier.ts";
import { h } from "../lib/dom.ts";
import { t } from "../i18n/index.ts";
import { duration } from "./format.ts";

export interface DataStatus {
  online: boolean;
  /** The cached data's age, or null when there is none. */
  age: DataAge | null;
  maxAgeSeconds: number;
  /** This device's clock minus the server's, when beyond the tolerance. */
  skewSeconds: number | null;
  /** A service worker controls the page: it opens with no network. */
  shellReady: boolean;
}

export function renderStatus(s: DataStatus): HTMLElement {
  const ageSeconds = s.age ? Math.max(s.age.statusListSeconds, s.age.jwksSeconds ?? 0) : null;
  const stale = !s.age || s.age.stale;
  const limit = duration(s.maxAgeSeconds);
  const dataLine = !s.age
    ? t("verifier.noData")
    : s.age.stale
      ? t("verifier.stale", { limit })
      : t("verifier.age", { age: duration(ageSeconds!), limit });
  return h(
    "div",
    {
      id: "status",
      class: "status",
      "data-network": s.online ? "online" : "offline",
      "data-age-seconds": ageSeconds ?? "",
      "data-stale": String(stale),
      "data-skew-seconds": s.skewSeconds ?? "",
      "data-shell": s.shellReady ? "ready" : "",
      role: "status",
    },
    h(
      "p",
      { class: "status-line" },
      h("span", { class: `net ${s.online ? "on" : "off"}` }, t(s.online ? "verifier.net.online" : "verifier.net.offline")),
      s.shellReady ? h("span", { class: "shell" }, t("verifier.shellReady")) : null,
    ),
    h("p", { id: "age", class: stale ? "age stale" : "age" }, dataLine),
    s.skewSeconds !== null
      ? h("p", { id: "skew", class: "warning" }, t(s.skewSeconds > 0 ? "verifier.skew.ahead" : "verifier.skew.behind", { d: duration(Math.abs(s.skewSeconds)) }))
      : null,
  );
}
