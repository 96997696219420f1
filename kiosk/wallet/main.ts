// The holder's wallet, an installable app for a phone (390×844 first; Chinese by default,
// ?lang=en, the choice remembered). It opens on what the phone holds:
//   #bind=wb1_…  a binding QR scanned at a kiosk or a registrar's window → bind this phone;
//   a binding    the code, shown from what is stored (no network needed), and, once signed in
//                with the passkey, the records, the notices and the devices;
//   nothing      how to bind.
// `document.body.dataset.screen` names the screen and `.busy` says a request runs (tests wait on both).
import { h, type Child } from "../lib/dom.ts";
import { lookup, startLang, switchLang, t } from "../i18n/index.ts";
import { api, ApiError } from "./api.ts";
import { bindThisPhone, offerInfo, signInWithPasskey, type OfferInfo } from "./ceremonies.ts";
import { timeOf } from "../lib/time.ts";
import { codeCard, drawCode, secondsToNext, type ShownCode } from "./code-view.ts";
import { forgetBinding, loadBinding, saveBinding, session, type Binding } from "./store.ts";
import { devicesList, noticesList, recordsList, type Device, type Notice, type RecordsAnswer, type Representatives } from "./views.ts";

type Screen = "loading" | "welcome" | "bind" | "home" | "removed";
type Tab = "code" | "records" | "notices" | "devices";

const state = {
  screen: "loading" as Screen,
  tab: "code" as Tab,
  busy: false,
  error: null as string | null,
  online: navigator.onLine,
  binding: null as Binding | null,
  offer: null as { secret: string; info: OfferInfo | null } | null,
  deviceName: "",
  shown: null as ShownCode | null,
  records: null as RecordsAnswer | null,
  notices: null as Notice[] | null,
  devices: null as Device[] | null,
  reps: null as Representatives | null,
};

const app = document.getElementById("app")!;
/** Refresh the bound token when less than this is left (and the phone is online and signed in). */
const TOKEN_REFRESH_BEFORE_MS = 15 * 60_000;

const signedIn = () => session.get() !== null;
const tokenExpired = () => !state.binding?.code || Date.parse(state.binding.code.expiresAt) <= Date.now() + state.binding.clockOffsetMs;
const errorText = (code: string) => lookup(`wallet.error.${code}`) ?? t("wallet.error.unknown");

/** Runs one request: busy while it runs, plain words when it fails. */
async function step(fn: () => Promise<void>): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  state.error = null;
  render();
  try {
    await fn();
  } catch (error) {
    const code = error instanceof ApiError ? error.code : "unknown";
    if (!(error instanceof ApiError)) console.error(error);
    if (code === "network") state.online = false;
    if (code === "device_removed" || code === "passkey_unknown") await becomeUnbound();
    state.error = code;
  } finally {
    state.busy = false;
    render();
  }
}

async function becomeUnbound(): Promise<void> {
  await forgetBinding();
  session.set(null);
  state.binding = null;
  state.shown = null;
  state.screen = "removed";
}

// ------------------------------------------------------------------ the code

async function redraw(): Promise<void> {
  if (!state.binding?.code || tokenExpired()) {
    state.shown = null;
    return;
  }
  state.shown = await drawCode(state.binding);
}

async function fetchCode(): Promise<void> {
  const binding = state.binding!;
  const sentAt = Date.now();
  const code = await api<{ token: string; tokenId: string; codeId: string; expiresAt: string; serverTime: number }>("POST", "/v1/wallet/code");
  // The issuer's clock minus ours, from the middle of the round trip: the proof is signed on it.
  binding.clockOffsetMs = Math.round(code.serverTime - (sentAt + Date.now()) / 2);
  binding.code = { token: code.token, tokenId: code.tokenId, codeId: code.codeId, expiresAt: code.expiresAt };
  const me = await api<{ subject: Binding["subject"]; holder: Binding["holder"] }>("GET", "/v1/wallet/me");
  binding.subject = me.subject;
  binding.holder = me.holder;
  await saveBinding(binding);
  await redraw();
}

/** Keeps the proof fresh every few seconds, and the token before it runs out. */
setInterval(() => {
  if (state.screen !== "home" || state.tab !== "code" || !state.binding) return;
  void (async () => {
    const expiring = !state.binding!.code || Date.parse(state.binding!.code.expiresAt) - Date.now() < TOKEN_REFRESH_BEFORE_MS;
    if (expiring && state.online && signedIn() && !state.busy) await step(fetchCode);
    else {
      // A new proof when the shown one is due (every few seconds); the countdown every second.
      if (!state.shown || secondsToNext(state.shown, state.binding!) === 0) await redraw();
      render();
    }
  })();
}, 1000);

// ------------------------------------------------------------------ actions

async function openHome(): Promise<void> {
  state.screen = "home";
  if (signedIn() && state.online && (tokenExpired() || !state.binding!.code)) await step(fetchCode);
  else await redraw();
  render();
}

async function signIn(): Promise<void> {
  await step(async () => {
    await signInWithPasskey(state.binding!.deviceId);
    await fetchCode();
  });
  if (state.tab !== "code") await showTab(state.tab);
}

async function showTab(tab: Tab): Promise<void> {
  state.tab = tab;
  render();
  if (tab === "code") return void (await redraw(), render());
  if (!signedIn()) return;
  await step(async () => {
    if (tab === "records") state.records = await api<RecordsAnswer>("GET", "/v1/wallet/records");
    if (tab === "notices") state.notices = (await api<{ notices: Notice[] }>("GET", "/v1/wallet/notices")).notices;
    if (tab === "devices") {
      state.devices = (await api<{ devices: Device[] }>("GET", "/v1/wallet/devices")).devices;
      state.reps = state.binding!.holder.capacity === "self" ? null : await api<Representatives>("GET", "/v1/wallet/representatives");
    }
  });
}

async function bind(): Promise<void> {
  const offer = state.offer!;
  await step(async () => {
    state.binding = await bindThisPhone(offer.secret, offer.info!, state.deviceName.trim() || t("wallet.deviceNameDefault"));
    await saveBinding(state.binding);
    state.offer = null;
    await fetchCode();
  });
  if (state.binding && !state.offer) await openHome();
}

function removeDevice(device: Device): void {
  if (!confirm(t("wallet.deviceRemoveConfirm", { name: device.name }))) return;
  void step(async () => {
    await api("DELETE", `/v1/wallet/devices/${device.id}`);
    if (device.current) return becomeUnbound();
    state.devices = (await api<{ devices: Device[] }>("GET", "/v1/wallet/devices")).devices;
  });
}

function markSeen(id: number): void {
  void step(async () => {
    await api("POST", `/v1/wallet/notices/${id}/seen`);
    state.notices = (await api<{ notices: Notice[] }>("GET", "/v1/wallet/notices")).notices;
  });
}

// ------------------------------------------------------------------ drawing

const button = (label: string, onclick: () => void, kind = "primary", test?: string) =>
  h("button", { type: "button", class: `btn ${kind}`, disabled: state.busy, "data-test": test, onclick }, label);

function welcome(): Child[] {
  return [h("section", { class: "card" }, h("h2", {}, t("wallet.welcomeTitle")), h("p", {}, t("wallet.welcomeText")), h("p", { class: "hint" }, t("wallet.welcomeSafe")))];
}

function bindScreen(): Child[] {
  const info = state.offer?.info;
  if (!info) return [h("p", { class: "hint" }, t("wallet.loading"))];
  const name = h("input", { id: "device-name", type: "text", maxlength: 40, value: state.deviceName, placeholder: t("wallet.deviceNameDefault"), "data-test": "device-name" });
  name.addEventListener("input", () => (state.deviceName = name.value));
  return [
    h(
      "section",
      { class: "card" },
      h("h2", {}, t("wallet.bindTitle")),
      h("p", { class: "label" }, t("wallet.bindFor")),
      h("p", { class: "subject", "data-test": "bind-subject" }, info.subject.displayName, " · ", t(info.subject.kind === "enterprise" ? "wallet.kind.enterprise" : "wallet.kind.person")),
      h("p", { class: "label" }, t("wallet.bindHolder")),
      h("p", {}, t("wallet.heldBy", { name: info.holder.displayName, capacity: t(`wallet.capacity.${info.holder.capacity}` as "wallet.capacity.self") })),
      h("label", { for: "device-name" }, t("wallet.deviceName")),
      name,
      h("p", { class: "hint" }, t("wallet.bindExpires", { time: timeOf(info.expiresAt) })),
      button(t("wallet.bindButton"), () => void bind(), "primary big", "bind"),
      h("p", { class: "hint" }, t("wallet.bindHint")),
    ),
  ];
}

function home(): Child[] {
  const b = state.binding!;
  const unseen = state.notices?.filter((n) => !n.seen).length ?? 0;
  const tabs = (["code", "records", "notices", "devices"] as Tab[]).map((tab) =>
    h("button", { type: "button", class: `tab${state.tab === tab ? " active" : ""}`, "data-test": `tab-${tab}`, onclick: () => void showTab(tab) }, t(`wallet.tab.${tab}`), tab === "notices" && unseen > 0 ? h("span", { class: "badge" }, unseen) : null),
  );
  const signInCard = h("section", { class: "card" }, h("h2", {}, t("wallet.signInTitle")), h("p", {}, t("wallet.signInText")), button(t("wallet.signIn"), () => void signIn(), "primary big", "sign-in"));
  let body: Child[];
  if (state.tab === "code") {
    body = [codeCard(b, state.shown, { online: state.online, expired: tokenExpired() }), !signedIn() && (tokenExpired() || !b.code) ? signInCard : null];
  } else if (!signedIn()) {
    body = [signInCard];
  } else if (state.tab === "records") {
    body = state.records ? recordsList(state.records) : [];
  } else if (state.tab === "notices") {
    body = state.notices ? noticesList(state.notices, markSeen) : [];
  } else {
    body = state.devices ? devicesList(state.devices, state.reps, removeDevice) : [];
  }
  return [...body, h("nav", { class: "tabs" }, ...tabs)];
}

function render(): void {
  document.body.dataset.screen = state.screen === "home" ? `home-${state.tab}` : state.screen;
  document.body.dataset.busy = String(state.busy);
  const header = h(
    "header",
    { class: "top" },
    h("strong", { class: "title" }, t("wallet.title")),
    h("button", { type: "button", class: "btn ghost", "data-test": "lang", onclick: () => (switchLang(), void redraw().then(render)) }, t("common.langSwitch")),
  );
  // On the "unbound" screen its own card says it; the same words again in red would only alarm.
  const shownError = state.screen === "removed" && (state.error === "device_removed" || state.error === "passkey_unknown") ? null : state.error;
  const error = shownError ? h("div", { class: "error", role: "alert", "data-test": "error", "data-code": shownError }, errorText(shownError)) : null;
  const screens: Record<Screen, () => Child[]> = {
    loading: () => [h("p", { class: "hint" }, t("wallet.loading"))],
    welcome,
    bind: bindScreen,
    home,
    removed: () => [h("section", { class: "card" }, h("h2", {}, t("wallet.removedHere")), h("p", {}, t("wallet.welcomeText")))],
  };
  const main = h("main", { class: `screen screen-${state.screen}` }, ...screens[state.screen]());
  app.replaceChildren(header, ...(error ? [error] : []), main);
}

// ------------------------------------------------------------------ start

async function start(): Promise<void> {
  startLang({ remember: "onecode.wallet.lang" });
  state.deviceName = t("wallet.deviceNameDefault");
  window.addEventListener("online", () => ((state.online = true), render()));
  window.addEventListener("offline", () => ((state.online = false), render()));
  if (!globalThis.crypto?.subtle || !("indexedDB" in globalThis)) {
    state.screen = "welcome";
    state.error = "no_webcrypto";
    return render();
  }
  const secret = takeOfferFromAddress();
  state.binding = (await loadBinding()) ?? null;
  // A binding QR scanned while the wallet is already open changes only the address's fragment:
  // no new page load, so the offer is taken from here too (else the phone stays where it was).
  window.addEventListener("hashchange", () => {
    const next = takeOfferFromAddress();
    if (next) void openOffer(next);
  });
  if (secret) return openOffer(secret);
  if (state.binding) return openHome();
  state.screen = "welcome";
  render();
}

/** The binding secret in the address (#bind=…), which leaves the address bar at once (history, screenshots of the URL). */
function takeOfferFromAddress(): string | null {
  const secret = new URLSearchParams(location.hash.replace(/^#/, "")).get("bind");
  if (secret) history.replaceState(null, "", location.pathname + location.search);
  return secret;
}

async function openOffer(secret: string): Promise<void> {
  state.offer = { secret, info: null };
  state.error = null;
  state.screen = "bind";
  await step(async () => {
    state.offer!.info = await offerInfo(secret);
  });
  if (!state.offer?.info) state.screen = state.binding ? "home" : "welcome";
  render();
}

void start();
if ("serviceWorker" in navigator) {
  const shell = new URL(".", location.href).pathname;
  void navigator.serviceWorker.register(`${shell}sw.js`, { scope: shell }).catch(() => undefined);
}
