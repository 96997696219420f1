// The officials' verifier page: camera (./camera.ts) or pasted text; online it asks the
// API, offline it decides with the cached JWKS and signed status list (./offline-cache.ts)
// and shows how old they are. Words from the shared dictionary (../i18n/verifier.ts).
import type { Reason } from "../../protocol/codes/token-format.ts";
import { lookup, startLang, switchLang, t } from "../i18n/index.ts";
import { scanWithCamera } from "./camera.ts";
import { cachedVerifier, syncCache } from "./offline-cache.ts";

const SYNC_EVERY_MS = 60_000;
const AGE_EVERY_MS = 5000;
/** A pasted code's verdict stays on screen this long before the camera may replace it. */
const PASTED_HOLD_MS = 15_000;
const API = "/"; // the API serves this page under /ui/verifier/

interface Shown {
  valid: boolean;
  reason?: Reason;
  subject?: { kind: string; displayName: string; creditStatus: string };
  status?: string;
  mode: "online" | "offline";
}

const $ = (id: string) => document.getElementById(id)!;
let last: Shown | null = null;
let heldUntil = 0;

function duration(seconds: number): string {
  if (seconds < 120) return t("verifier.seconds", { n: seconds });
  if (seconds < 7200) return t("verifier.minutes", { n: Math.floor(seconds / 60) });
  return t("verifier.hours", { n: Math.floor(seconds / 3600) });
}

async function showAge(): Promise<void> {
  const el = $("age");
  const v = await cachedVerifier();
  if (!v) {
    el.textContent = t("verifier.noData");
    el.className = "stale";
    el.dataset.statusListSeconds = "";
    return;
  }
  const age = v.dataAge();
  el.textContent = t("verifier.age", { s: duration(age.statusListSeconds), k: duration(age.jwksSeconds ?? 0), l: duration(age.limitSeconds) });
  el.className = age.stale ? "stale" : "";
  el.dataset.statusListSeconds = String(age.statusListSeconds);
}

/** The words for a value the verdict carries, or the value itself. */
const word = (group: "kind" | "credit" | "codeStatus" | "reason", value: string) => lookup(`verifier.${group}.${value}`) ?? value;

function show(shown: Shown): void {
  last = shown;
  const box = $("verdict");
  box.className = shown.valid ? "valid" : "invalid";
  box.dataset.state = shown.valid ? "valid" : "invalid";
  box.dataset.reason = shown.reason ?? "";
  box.dataset.mode = shown.mode;
  $("headline").textContent = shown.valid ? t("verifier.valid") : t("verifier.invalid");
  $("reason").textContent = shown.reason ? word("reason", shown.reason) : "";
  $("identity").hidden = !shown.subject;
  if (shown.subject) {
    $("name").textContent = shown.subject.displayName;
    $("kind").textContent = word("kind", shown.subject.kind);
    $("credit").textContent = word("credit", shown.subject.creditStatus);
    $("status").textContent = shown.status ? word("codeStatus", shown.status) : "";
  }
  $("mode").textContent = t(shown.mode === "online" ? "verifier.mode.online" : "verifier.mode.offline");
}

async function verify(text: string): Promise<void> {
  try {
    const res = await fetch(`${API}v1/codes/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: text }) });
    if (res.ok) {
      show({ ...((await res.json()) as Omit<Shown, "mode">), mode: "online" });
      return;
    }
    if (res.status < 500) {
      show({ valid: false, reason: res.status === 413 ? "too_large" : "malformed", mode: "online" });
      return;
    }
  } catch {
    /* network down: decide offline */
  }
  const v = await cachedVerifier();
  if (!v) {
    show({ valid: false, reason: "stale_data", mode: "offline" });
    return;
  }
  const verdict = await v.verify(text);
  show({ valid: verdict.valid, reason: verdict.reason, subject: verdict.subject, status: verdict.status, mode: "offline" });
  await showAge();
}

function startCamera(): void {
  void scanWithCamera($("camera") as HTMLVideoElement, $("frame") as HTMLCanvasElement, verify, () => Date.now() < heldUntil);
}

async function sync(): Promise<void> {
  await syncCache(API);
  await showAge();
}

$("lang").addEventListener("click", () => {
  switchLang();
  if (last) show(last);
  void showAge();
});
$("check").addEventListener("click", () => {
  heldUntil = Date.now() + PASTED_HOLD_MS;
  void verify(($("paste") as HTMLTextAreaElement).value);
});
$("start").addEventListener("click", startCamera);
startLang({ remember: "onecode.verifier.lang" });
void showAge();
void sync();
setInterval(() => void sync(), SYNC_EVERY_MS);
setInterval(() => void showAge(), AGE_EVERY_MS);
if (new URLSearchParams(location.search).has("camera")) startCamera();
