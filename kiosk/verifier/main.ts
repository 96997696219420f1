// The officials' verifier, an installable app that works offline (kiosk/lib/pwa/sw.ts caches
// its shell; ./pwa.ts with kiosk/lib/pwa/build.ts builds the worker, manifest and icons). A scan (camera,
// ./camera.ts, or typed text) is decided online by the API or offline from the cached keys
// and status list (./decide.ts), and drawn whole from that one outcome (./verdict-view.ts).
// The status line shows the data's age and the clock skew; the history keeps no names.
import "./style.css";
import { startLang, switchLang, t } from "../i18n/index.ts";
import { h } from "../lib/dom.ts";
import { decide } from "./decide.ts";
import { refusal } from "./outcome.ts";
import { renderVerdict, type Screen } from "./verdict-view.ts";
import { renderStatus } from "./status-bar.ts";
import { cachedVerifier, lastSkew, syncCache } from "./offline-cache.ts";
import { skewBeyondTolerance } from "./clock.ts";
import { clearHistory, loadHistory, recordScan, renderHistory } from "./history.ts";
import { MAX_AGE_CHOICES, saveMaxAge, startMaxAge } from "./settings.ts";
import { startCamera, type Camera } from "./camera.ts";
import { duration } from "./format.ts";

const API = "/"; // the API serves this page under /ui/verifier/
const SHELL = "/ui/verifier/";
const SYNC_EVERY_MS = 60_000; // the status list's ttl
const STATUS_EVERY_MS = 5000;
/** A typed-in code's verdict stays this long before the camera may replace it. */
const PASTED_HOLD_MS = 15_000;
/** A verdict (and the name on it) leaves the screen after this long without a new scan. */
const VERDICT_SHOWN_MS = 120_000;

const $ = (id: string) => document.getElementById(id)!;
let maxAgeSeconds = startMaxAge(location.search, localStorage);
let screen: Screen = { state: "idle" };
let latestScan = 0;
let heldUntil = 0;
let forgetTimer: ReturnType<typeof setTimeout> | undefined;
let camera: Camera | null = null;
let shellReady = false;

function drawVerdict(): void {
  $("verdict").replaceWith(renderVerdict(screen));
}

async function drawStatus(): Promise<void> {
  const verifier = await cachedVerifier(maxAgeSeconds);
  const skew = skewBeyondTolerance(lastSkew()?.seconds ?? null);
  $("status").replaceWith(renderStatus({ online: navigator.onLine, age: verifier?.dataAge() ?? null, maxAgeSeconds, skewSeconds: skew, shellReady }));
}

function drawHistory(entries = loadHistory()): void {
  $("history").replaceWith(
    renderHistory(entries, () => {
      clearHistory();
      drawHistory([]);
    }),
  );
}

function drawSettings(): void {
  const choices = MAX_AGE_CHOICES.includes(maxAgeSeconds) ? MAX_AGE_CHOICES : [...MAX_AGE_CHOICES, maxAgeSeconds].sort((a, b) => a - b);
  const select = h(
    "select",
    {
      id: "max-age",
      name: "maxAge",
      "aria-describedby": "max-age-hint",
      onchange: (e: Event) => {
        if (saveMaxAge(Number((e.target as HTMLSelectElement).value), localStorage)) maxAgeSeconds = Number((e.target as HTMLSelectElement).value);
        void drawStatus();
      },
    },
    ...choices.map((s) => h("option", { value: s, selected: s === maxAgeSeconds }, duration(s))),
  );
  $("max-age").replaceWith(select);
}

/** One scan: the screen drops the last verdict at once, and only the latest scan may draw its own. */
async function check(text: string): Promise<void> {
  const scan = ++latestScan;
  clearTimeout(forgetTimer);
  screen = { state: "checking" };
  drawVerdict();
  const outcome = await decide(text, { api: API, maxAgeSeconds }).catch(() => refusal("malformed", "offline", Date.now()));
  if (scan !== latestScan) return; // a later scan owns the screen
  screen = { state: "decided", outcome };
  drawVerdict();
  drawHistory(recordScan(outcome));
  forgetTimer = setTimeout(() => {
    screen = { state: "idle" };
    drawVerdict();
  }, VERDICT_SHOWN_MS);
  void drawStatus();
}

async function sync(): Promise<void> {
  await syncCache(API, maxAgeSeconds);
  await drawStatus();
}

function labelCamera(on: boolean): void {
  const button = $("camera-toggle");
  button.dataset.i18n = on ? "verifier.camera.stop" : "verifier.camera.start";
  button.textContent = t(on ? "verifier.camera.stop" : "verifier.camera.start");
  button.setAttribute("aria-pressed", String(on));
  ($("camera") as HTMLVideoElement).hidden = !on;
}

async function toggleCamera(): Promise<void> {
  $("camera-error").hidden = true;
  if (camera) {
    camera.stop();
    camera = null;
    labelCamera(false);
    return;
  }
  labelCamera(true);
  try {
    camera = await startCamera(
      $("camera") as HTMLVideoElement,
      (text) => void check(text),
      () => Date.now() < heldUntil,
      (decoder) => (document.body.dataset.decoder = decoder),
    );
  } catch {
    labelCamera(false);
    $("camera-error").hidden = false;
  }
}

$("lang").addEventListener("click", () => {
  switchLang();
  drawVerdict();
  drawHistory();
  drawSettings();
  labelCamera(camera !== null);
  void drawStatus();
});
$("paste-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ($("paste") as HTMLTextAreaElement).value.trim();
  $("paste-error").hidden = text !== "";
  $("paste-form").classList.toggle("has-error", text === "");
  if (!text) return;
  heldUntil = Date.now() + PASTED_HOLD_MS;
  void check(text);
});
$("camera-toggle").addEventListener("click", () => void toggleCamera());
addEventListener("online", () => void sync());
addEventListener("offline", () => void drawStatus());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void sync();
});

startLang({ remember: "onecode.verifier.lang" });
drawVerdict();
drawHistory();
drawSettings();
labelCamera(false);
void sync();
setInterval(() => void sync(), SYNC_EVERY_MS);
setInterval(() => void drawStatus(), STATUS_EVERY_MS);
if ("serviceWorker" in navigator) {
  // The worker's install caches the whole shell before it activates, so "ready" means "opens offline".
  navigator.serviceWorker.register(`${SHELL}sw.js`, { scope: SHELL }).catch(() => undefined);
  void navigator.serviceWorker.ready.then(() => {
    shellReady = true;
    void drawStatus();
  });
}
if (new URLSearchParams(location.search).has("camera")) void toggleCamera();
