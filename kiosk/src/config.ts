// Kiosk configuration, read once at load.
//
// The device token (an operator token with role "kiosk", minted by `npm run token`) is
// provisioned by opening the kiosk page once with it in the URL fragment (#token=…) or query
// (?token=…). The kiosk keeps it in localStorage (it belongs to the device, not to a visitor)
// and removes it from the address bar at once. The fragment is preferred: it never reaches a
// server log. `?idle=SECONDS` sets the idle timeout (default 120 s; tests use a few seconds);
// `?api=URL` points at another API origin (default: same origin). `?lang=en` starts in English
// (read by ../i18n, like every front end).
export interface KioskConfig {
  token: string | null;
  idleMs: number;
  apiBase: string;
}

const TOKEN_KEY = "onecode.kiosk.deviceToken";

export function readConfig(loc: Location = window.location, storage: Storage = window.localStorage): KioskConfig {
  const query = new URLSearchParams(loc.search);
  const fragment = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const given = fragment.get("token") ?? query.get("token");
  if (given) {
    storage.setItem(TOKEN_KEY, given);
    query.delete("token");
    fragment.delete("token");
    const q = query.toString();
    const f = fragment.toString();
    history.replaceState(null, "", loc.pathname + (q ? `?${q}` : "") + (f ? `#${f}` : ""));
  }
  const idle = Number(query.get("idle"));
  return {
    token: storage.getItem(TOKEN_KEY),
    idleMs: Number.isFinite(idle) && idle > 0 ? Math.round(idle * 1000) : 120_000,
    apiBase: (query.get("api") ?? "").replace(/\/$/, ""),
  };
}
