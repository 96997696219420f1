// The verifier's one setting: how long cached keys and status list may be leaned on offline
// before the page refuses to call any code valid. Chosen in the settings panel, or given as
// ?maxAge=<seconds> in the address (a deployment link); remembered on the device.
//
// Default 12 h: the hard maximum is the longest a revocation, a suspension or an emergency
// key revocation can take to reach an official who stays offline. One working shift opened
// online in the morning stays usable to its end; overnight the page must be online again.
// The issuer's own ceiling is the status list's `exp` (24 h, api/src/codes/status-list.ts):
// a longer setting would gain nothing, since an expired list is refused anyway.

export const DEFAULT_MAX_AGE_SECONDS = 12 * 3600;
export const MIN_MAX_AGE_SECONDS = 5 * 60;
export const MAX_MAX_AGE_SECONDS = 24 * 3600;
/** The choices the settings panel offers (an address may give another value in range). */
export const MAX_AGE_CHOICES = [15 * 60, 3600, 4 * 3600, 12 * 3600, 24 * 3600];

const STORE = "onecode.verifier.maxAge";

const inRange = (n: number) => Number.isSafeInteger(n) && n >= MIN_MAX_AGE_SECONDS && n <= MAX_MAX_AGE_SECONDS;

/** The maximum age in seconds: the address's ?maxAge= when in range (then remembered), else the remembered one, else the default. */
export function startMaxAge(search: string, storage: Pick<Storage, "getItem" | "setItem"> | undefined): number {
  const asked = new URLSearchParams(search).get("maxAge");
  if (asked !== null && /^\d+$/.test(asked) && inRange(Number(asked))) {
    storage?.setItem(STORE, asked);
    return Number(asked);
  }
  const remembered = Number(storage?.getItem(STORE) ?? NaN);
  return inRange(remembered) ? remembered : DEFAULT_MAX_AGE_SECONDS;
}

/** Remembers a choice from the settings panel; a value out of range is refused. */
export function saveMaxAge(seconds: number, storage: Pick<Storage, "setItem"> | undefined): boolean {
  if (!inRange(seconds)) return false;
  storage?.setItem(STORE, String(seconds));
  return true;
}
