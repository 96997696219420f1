// The officials' verifier page: camera (getUserMedia + jsQR on canvas frames) or
// pasted text; online it asks the API, offline it decides with the cached JWKS and
// signed status list (kiosk/lib/offline-verifier.ts) and shows how old they are.
import type { JWK } from "jose";
import { Refusal, type Reason } from "../../protocol/codes/token-format.ts";
import { createOfflineVerifier, type OfflineVerdict } from "../../protocol/codes/offline-verifier.ts";
import { decodeQr } from "../lib/scan.ts";

/** Offline, refuse "valid" on cached data older than this. */
const MAX_DATA_AGE_SECONDS = 4 * 3600;
const SYNC_EVERY_MS = 60_000;
const API = "/"; // the API serves this page under /ui/verifier/
const STORE = "onecode.verifier.cache.v1";

type Lang = "zh" | "en";
let lang: Lang = (localStorage.getItem("onecode.verifier.lang") as Lang) || "zh";

const TEXT: Record<Lang, Record<string, string>> = {
  zh: {
    title: "一码通 · 扫码核验", idle: "请扫描二维码", valid: "有效", invalid: "无效", camera: "打开摄像头", check: "核验", paste: "或粘贴码内容",
    name: "名称", kind: "类型", credit: "信用状况", status: "码状态", mode: "核验方式", online: "在线（实时状态）", offline: "离线（本地缓存）",
    person: "个人", enterprise: "企业", good: "守信", dishonest: "失信", serious: "严重失信", active: "正常", suspended: "已暂停", revoked: "已吊销", superseded: "已更换",
    age: "离线数据：状态列表 {s} 前签发，密钥 {k} 前获取（上限 {l}）", noData: "无离线数据，请联网同步", stale: "离线数据过旧", lang: "English",
  },
  en: {
    title: "OneCode · verify", idle: "Scan a code", valid: "VALID", invalid: "NOT VALID", camera: "Start camera", check: "Verify", paste: "or paste the code text",
    name: "Name", kind: "Kind", credit: "Credit status", status: "Code status", mode: "Checked", online: "online (live status)", offline: "offline (cached data)",
    person: "person", enterprise: "enterprise", good: "good", dishonest: "dishonest", serious: "seriously dishonest", active: "active", suspended: "suspended", revoked: "revoked", superseded: "superseded",
    age: "Offline data: status list signed {s} ago, keys fetched {k} ago (limit {l})", noData: "No offline data yet: connect to sync", stale: "offline data too old", lang: "中文",
  },
};

const REASON_TEXT: Record<Lang, Record<Reason, string>> = {
  zh: {
    malformed: "不是有效的一码通二维码", too_large: "内容过长", forbidden_header: "码头部含不允许的参数（疑似伪造）", wrong_algorithm: "签名算法不符（疑似伪造）",
    wrong_type: "不是一码通的码", unknown_key: "签发密钥未知（疑似伪造或数据过旧）", bad_signature: "签名无效（码被篡改或伪造）", malformed_claims: "码内容不完整",
    wrong_issuer: "非本区签发", not_yet_valid: "尚未生效（请核对设备时间）", expired: "码已过期（请让持码人刷新）", unknown_code: "查无此码", revoked: "码已吊销",
    suspended: "码已暂停使用", superseded: "码已更换，请出示新码", stale_data: "离线数据过旧，无法确认码状态", no_qr: "未识别到二维码",
    wrong_audience: "不是签发给核验端的码（疑似伪造）", key_retired: "签发密钥已停用后签发（疑似伪造）", key_compromised: "签发密钥已被宣布泄露，此码不可信",
  },
  en: {
    malformed: "not a OneCode QR", too_large: "input too long", forbidden_header: "header carries forbidden parameters (forged?)", wrong_algorithm: "wrong signature algorithm (forged?)",
    wrong_type: "not a OneCode token", unknown_key: "unknown signing key (forged, or data too old)", bad_signature: "bad signature (tampered or forged)", malformed_claims: "incomplete code",
    wrong_issuer: "issued by someone else", not_yet_valid: "not yet valid (check the device clock)", expired: "expired (ask the holder to refresh)", unknown_code: "no such code", revoked: "revoked",
    suspended: "suspended", superseded: "replaced by a newer code", stale_data: "offline data too old to confirm the status", no_qr: "no QR code found",
    wrong_audience: "issued for another audience (forged?)", key_retired: "signed after its key was retired (forged?)", key_compromised: "its signing key was declared compromised: do not trust it",
  },
};

interface Cache {
  jwks: { keys: JWK[] };
  statusListToken: string;
  issuer: string;
  fetchedAt: number;
}

interface Shown {
  valid: boolean;
  reason?: Reason;
  subject?: { kind: string; displayName: string; creditStatus: string };
  status?: string;
  mode: "online" | "offline";
}

const $ = (id: string) => document.getElementById(id)!;
let last: Shown | null = null;
/** A pasted code's verdict stays on screen this long before the camera may replace it. */
let manualUntil = 0;

function t(key: string): string {
  return TEXT[lang][key] ?? key;
}

function loadCache(): Cache | null {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? "null") as Cache | null;
  } catch {
    return null;
  }
}

function issuerOf(statusListToken: string): string {
  const claims = JSON.parse(atob(statusListToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { iss?: string; sub: string };
  return claims.iss ?? new URL(claims.sub).origin;
}

async function sync(): Promise<void> {
  try {
    const [jwksRes, listRes] = await Promise.all([fetch(`${API}.well-known/jwks.json`, { cache: "no-cache" }), fetch(`${API}v1/status-lists/1`, { cache: "no-cache" })]);
    if (!jwksRes.ok || !listRes.ok) return;
    const jwks = (await jwksRes.json()) as Cache["jwks"];
    const statusListToken = await listRes.text();
    const issuer = issuerOf(statusListToken);
    // Only cache what verifies: a broken download must not replace a good cache.
    await createOfflineVerifier({ jwks, statusListToken, issuer, maxDataAgeSeconds: MAX_DATA_AGE_SECONDS });
    localStorage.setItem(STORE, JSON.stringify({ jwks, statusListToken, issuer, fetchedAt: Date.now() } satisfies Cache));
  } catch {
    /* offline: keep the cache */
  }
  await showAge();
}

function duration(seconds: number): string {
  if (seconds < 120) return lang === "zh" ? `${seconds} 秒` : `${seconds} s`;
  if (seconds < 7200) return lang === "zh" ? `${Math.floor(seconds / 60)} 分钟` : `${Math.floor(seconds / 60)} min`;
  return lang === "zh" ? `${Math.floor(seconds / 3600)} 小时` : `${Math.floor(seconds / 3600)} h`;
}

async function offlineVerifier() {
  const cache = loadCache();
  if (!cache) return null;
  return createOfflineVerifier({ ...cache, jwksFetchedAt: cache.fetchedAt, maxDataAgeSeconds: MAX_DATA_AGE_SECONDS });
}

async function showAge(): Promise<void> {
  const el = $("age");
  const v = await offlineVerifier().catch(() => null);
  if (!v) {
    el.textContent = t("noData");
    el.className = "stale";
    el.dataset.statusListSeconds = "";
    return;
  }
  const age = v.dataAge();
  el.textContent = t("age").replace("{s}", duration(age.statusListSeconds)).replace("{k}", duration(age.jwksSeconds ?? 0)).replace("{l}", duration(age.limitSeconds));
  el.className = age.stale ? "stale" : "";
  el.dataset.statusListSeconds = String(age.statusListSeconds);
}

function render(shown: Shown): void {
  last = shown;
  const box = $("verdict");
  box.className = shown.valid ? "valid" : "invalid";
  box.dataset.state = shown.valid ? "valid" : "invalid";
  box.dataset.reason = shown.reason ?? "";
  box.dataset.mode = shown.mode;
  $("headline").textContent = shown.valid ? t("valid") : t("invalid");
  $("reason").textContent = shown.reason ? REASON_TEXT[lang][shown.reason] : "";
  const id = $("identity");
  id.hidden = !shown.subject;
  if (shown.subject) {
    $("name").textContent = shown.subject.displayName;
    $("kind").textContent = t(shown.subject.kind);
    $("credit").textContent = t(shown.subject.creditStatus);
    $("status").textContent = shown.status ? t(shown.status) : "";
  }
  $("mode").textContent = t(shown.mode);
}

async function verify(text: string): Promise<void> {
  try {
    const res = await fetch(`${API}v1/codes/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: text }) });
    if (res.ok) {
      const v = (await res.json()) as Shown;
      render({ ...v, mode: "online" });
      return;
    }
    if (res.status < 500) {
      render({ valid: false, reason: res.status === 413 ? "too_large" : "malformed", mode: "online" });
      return;
    }
  } catch {
    /* network down: decide offline */
  }
  const v = await offlineVerifier().catch(() => null);
  if (!v) {
    render({ valid: false, reason: "stale_data", mode: "offline" });
    return;
  }
  const verdict: OfflineVerdict = await v.verify(text);
  render({ valid: verdict.valid, reason: verdict.reason, subject: verdict.subject, status: verdict.status, mode: "offline" });
  await showAge();
}

async function startCamera(): Promise<void> {
  const video = $("camera") as HTMLVideoElement;
  const canvas = $("frame") as HTMLCanvasElement;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  await video.play();
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  let lastText = "";
  let lastAt = 0;
  let busy = false;
  const tick = async () => {
    if (!busy && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      try {
        const text = decodeQr(image.data, image.width, image.height);
        if (Date.now() >= manualUntil && (text !== lastText || Date.now() - lastAt > 3000)) {
          lastText = text;
          lastAt = Date.now();
          busy = true;
          await verify(text).finally(() => (busy = false));
        }
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
      }
    }
    setTimeout(() => void tick(), 200);
  };
  void tick();
}

function applyLang(): void {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n]")) el.textContent = t(el.dataset.i18n!);
  for (const el of document.querySelectorAll<HTMLTextAreaElement>("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder!);
  $("lang").textContent = t("lang");
  if (last) render(last);
  void showAge();
}

$("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("onecode.verifier.lang", lang);
  applyLang();
});
$("check").addEventListener("click", () => {
  manualUntil = Date.now() + 15_000;
  void verify(($("paste") as HTMLTextAreaElement).value);
});
$("start").addEventListener("click", () => void startCamera());
applyLang();
void sync();
setInterval(() => void sync(), SYNC_EVERY_MS);
setInterval(() => void showAge(), 5000);
if (new URLSearchParams(location.search).has("camera")) void startCamera();
