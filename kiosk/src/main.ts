// The self-service kiosk (一体机): welcome → enterprise → face check → records → commitment →
// decision → fresh enterprise code and receipt. Plain TypeScript and DOM; every screen is
// rendered from `state`; `document.body.dataset.screen` names the screen (tests wait on it).
// A shared public device: the idle timer ends the server session and wipes everything.
import "./style.css";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ApiError, createApi, type Applicant, type Application, type Code, type Reason, type RecordItem, type RecordsView } from "./api.ts";
import { captureFrame, sleep, startCamera, stopCamera } from "./camera.ts";
import { readConfig } from "./config.ts";
import { errorText, lang, setLang, t, words, type Lang } from "./i18n.ts";
import { createSignaturePad, type SignaturePad } from "./signature.ts";

type Screen = "welcome" | "enterprise" | "face" | "records" | "commitment" | "decision" | "code";
type FacePhase = "starting" | "ready" | "capturing" | "checking" | "passed" | "refused" | "locked";

const FRAMES = 3;
const FRAME_GAP_MS = 350;

const config = readConfig();
setLang(config.lang);
const api = createApi(config.apiBase, () => config.token);

interface State {
  screen: Screen;
  busy: boolean;
  error: string | null;
  notice: string | null;
  sessionId: string | null;
  nonce: string | null;
  enterpriseInput: string;
  capacity: "legal_representative" | "authorised_agent";
  idNumber: string;
  activeField: "enterprise" | "idNumber";
  applicant: Applicant | null;
  face: { phase: FacePhase; captured: number; reason: string | null; attemptsLeft: number | null; scores: string | null };
  assertion: string | null;
  records: RecordsView | null;
  selected: Set<string>;
  commitment: { version: string; text: string } | null;
  accepted: boolean;
  application: Application | null;
  code: Code | null;
}

function initialState(): State {
  return {
    screen: "welcome",
    busy: false,
    error: null,
    notice: null,
    sessionId: null,
    nonce: null,
    enterpriseInput: "",
    capacity: "legal_representative",
    idNumber: "",
    activeField: "enterprise",
    applicant: null,
    face: { phase: "starting", captured: 0, reason: null, attemptsLeft: null, scores: null },
    assertion: null,
    records: null,
    selected: new Set(),
    commitment: null,
    accepted: false,
    application: null,
    code: null,
  };
}

let state = initialState();
let signature: SignaturePad | null = null;
/** One video element for the whole life of the page: re-rendering keeps the preview running. */
const video = document.createElement("video");
video.className = "preview";
video.setAttribute("aria-label", "camera");
/** Bumped by every wipe: async work started before a wipe drops its result. */
let generation = 0;

// ------------------------------------------------------------------------------------------
// DOM helpers

type Child = Node | string | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | number | ((e: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (k === "class") el.className = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const button = (label: string, onclick: () => void, opts: { kind?: string; disabled?: boolean; test?: string } = {}) =>
  h("button", { type: "button", class: `btn ${opts.kind ?? "primary"}`, disabled: opts.disabled || state.busy, "data-test": opts.test, onclick }, label);

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false });
}

// ------------------------------------------------------------------------------------------
// Rendering

const app = document.getElementById("app")!;

const STEP: Record<Screen, number> = { welcome: 0, enterprise: 1, face: 2, records: 3, commitment: 4, decision: 5, code: 5 };

function render(): void {
  document.body.dataset.screen = state.screen;
  document.body.dataset.busy = String(state.busy);
  const step = STEP[state.screen];
  const header = h(
    "header",
    { class: "top" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "信"), h("span", {}, t("title"))),
    step > 0 ? h("div", { class: "step", "data-test": "step" }, t("stepOf", { n: step })) : null,
    h(
      "div",
      { class: "top-actions" },
      state.screen !== "welcome" ? button(t("home"), () => void finish(), { kind: "ghost", test: "home" }) : null,
      h("button", { type: "button", class: "btn ghost lang", "data-test": "lang", onclick: () => switchLang(lang() === "zh" ? "en" : "zh") }, t("langSwitch")),
    ),
  );
  const main = h("main", { class: `screen screen-${state.screen}` });
  for (const c of screens[state.screen]()) if (c) main.append(c);
  const error = state.error ? h("div", { class: "error", role: "alert", "data-test": "error" }, state.error) : null;
  app.replaceChildren(header, error ?? "", main, idleBar);
  if (state.screen === "face") void video.play().catch(() => {});
}

/** The person corrected the input: the old error no longer applies (no re-render: keep the caret). */
function clearError(): void {
  if (!state.error) return;
  state.error = null;
  document.querySelector("[data-test=error]")?.remove();
}

function switchLang(next: Lang): void {
  setLang(next);
  if (state.error) state.error = null; // the message was in the other language
  render();
}

const screens: Record<Screen, () => Child[]> = {
  welcome: () => [
    h(
      "section",
      { class: "hero" },
      h("h1", {}, t("title")),
      h("p", { class: "lead" }, t("subtitle")),
      state.notice ? h("p", { class: "notice", role: "status", "data-test": "notice" }, state.notice) : null,
      h("p", { class: "hint" }, t("welcomeHint")),
      button(t("start"), () => void begin(), { kind: "primary huge", test: "start" }),
      h("ol", { class: "steps-line" }, ...t("steps").split(" · ").map((s, i) => h("li", {}, h("b", {}, String(i + 1)), s))),
    ),
  ],

  enterprise: () => {
    const input = h("input", {
      id: "enterprise",
      class: `field${state.activeField === "enterprise" ? " active" : ""}`,
      "data-test": "enterprise-input",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: t("enterprisePlaceholder"),
      value: state.enterpriseInput,
      onfocus: () => {
        state.activeField = "enterprise";
      },
      oninput: (e) => {
        state.enterpriseInput = (e.target as HTMLInputElement).value;
        clearError();
      },
      onkeydown: (e) => {
        if ((e as KeyboardEvent).key === "Enter") void submitEnterprise();
      },
    });
    input.value = state.enterpriseInput;
    const idField =
      state.capacity === "authorised_agent"
        ? h(
            "label",
            { class: "label" },
            t("idNumberLabel"),
            h("input", {
              id: "idNumber",
              class: `field${state.activeField === "idNumber" ? " active" : ""}`,
              "data-test": "id-input",
              inputmode: "numeric",
              autocomplete: "off",
              value: state.idNumber,
              onfocus: () => {
                state.activeField = "idNumber";
              },
              oninput: (e) => {
                state.idNumber = (e.target as HTMLInputElement).value;
                clearError();
              },
            }),
          )
        : null;
    setTimeout(() => (document.getElementById(state.activeField) as HTMLInputElement | null)?.focus(), 0);
    return [
      h("h2", {}, t("enterpriseTitle")),
      h("label", { class: "label", for: "enterprise" }, t("enterpriseLabel")),
      input,
      h("p", { class: "hint" }, t("scanHint")),
      h("h3", {}, t("whoTitle")),
      h(
        "div",
        { class: "choice", role: "radiogroup" },
        ...(["legal_representative", "authorised_agent"] as const).map((c) =>
          h(
            "button",
            {
              type: "button",
              role: "radio",
              "aria-checked": String(state.capacity === c),
              class: `btn choice-btn${state.capacity === c ? " chosen" : ""}`,
              "data-test": `capacity-${c}`,
              onclick: () => {
                state.capacity = c;
                state.activeField = c === "authorised_agent" ? "idNumber" : "enterprise";
                render();
              },
            },
            c === "legal_representative" ? t("legalRep") : t("agent"),
          ),
        ),
      ),
      idField,
      keypad(),
      h("div", { class: "actions" }, button(t("next"), () => void submitEnterprise(), { kind: "primary big", test: "enterprise-next" })),
    ];
  },

  face: () => {
    const f = state.face;
    const name = state.applicant?.personName ?? "";
    let status: string;
    switch (f.phase) {
      case "starting":
        status = t("faceCameraStarting");
        break;
      case "capturing":
        status = t("faceCapturing", { n: f.captured, total: FRAMES });
        break;
      case "checking":
        status = t("faceChecking");
        break;
      case "passed":
        status = t("facePassed");
        break;
      case "refused":
      case "locked":
        status = t("faceRefused");
        break;
      default:
        status = t("faceReady");
    }
    const progress = f.phase === "capturing" ? f.captured / (FRAMES + 1) : f.phase === "checking" ? FRAMES / (FRAMES + 1) : f.phase === "passed" ? 1 : 0;
    return [
      h("h2", {}, t("faceTitle")),
      h(
        "div",
        { class: "face-layout" },
        h("div", { class: `camera phase-${f.phase}` }, video, h("div", { class: "oval", "aria-hidden": "true" })),
        h(
          "div",
          { class: "face-side" },
          h("p", { class: "face-who" }, t("faceFor", { name })),
          h("ul", { class: "guide" }, h("li", {}, t("faceGuide1")), h("li", {}, t("faceGuide2")), h("li", {}, t("faceGuide3"))),
          h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(progress * 100)) }, h("div", { class: "bar", style: `width:${Math.round(progress * 100)}%` })),
          h("p", { class: `face-status phase-${f.phase}`, "data-test": "face-status", role: "status" }, status),
          f.reason ? h("p", { class: "face-reason", "data-test": "face-reason", "data-reason": f.reason }, errorText(f.reason)) : null,
          f.phase === "refused" && f.attemptsLeft !== null ? h("p", { class: "hint" }, t("attemptsLeft", { n: f.attemptsLeft })) : null,
          f.scores ? h("p", { class: "scores" }, f.scores) : null,
          h(
            "div",
            { class: "actions" },
            f.phase === "ready" ? button(t("faceStart"), () => void runFaceCheck(), { kind: "primary big", test: "face-start" }) : null,
            f.phase === "refused" ? button(t("faceRetry"), () => void runFaceCheck(), { kind: "primary big", test: "face-retry" }) : null,
          ),
        ),
      ),
    ];
  },

  records: () => {
    const r = state.records!;
    const nothing = r.repairableNow.length + r.later.length + r.notRepairable.length + r.inReview.length === 0;
    return [
      h("h2", {}, t("recordsTitle", { name: r.subject.displayName })),
      nothing ? h("p", { class: "notice" }, t("noRecords")) : null,
      !nothing && r.repairableNow.length === 0 ? h("p", { class: "notice" }, t("groupNone")) : null,
      h(
        "div",
        { class: "groups" },
        group("now", t("groupNow"), r.repairableNow, (rec) => recordCard(rec, "now")),
        group("later", t("groupLater"), r.later, (rec) => recordCard(rec, "later")),
        group("review", t("groupReview"), r.inReview, (rec) => recordCard(rec, "review")),
        group("not", t("groupNot"), r.notRepairable, (rec) => recordCard(rec, "not")),
      ),
      h(
        "div",
        { class: "actions sticky" },
        r.repairableNow.length > 0 ? h("span", { class: "count", "data-test": "selected-count" }, t("selectedCount", { n: state.selected.size })) : null,
        r.repairableNow.length > 0
          ? button(t("toCommitment"), () => void toCommitment(), { kind: "primary big", disabled: state.selected.size === 0, test: "to-commitment" })
          : button(t("finish"), () => void finish(), { kind: "primary big", test: "finish" }),
      ),
    ];
  },

  commitment: () => {
    const c = state.commitment!;
    const canvas = h("canvas", { class: "signature", "data-test": "signature", "aria-label": t("signHere") });
    signature = createSignaturePad(canvas);
    const submit = button(t("submit"), () => void submitApplication(), { kind: "primary big", test: "submit", disabled: true });
    const update = () => {
      submit.disabled = state.busy || !state.accepted || !signature || signature.isEmpty();
    };
    signature.onChange(update);
    const checkbox = h("input", {
      type: "checkbox",
      id: "accept",
      "data-test": "accept",
      onchange: (e) => {
        state.accepted = (e.target as HTMLInputElement).checked;
        update();
      },
    });
    checkbox.checked = state.accepted;
    return [
      h("h2", {}, t("commitmentTitle")),
      h(
        "div",
        { class: "commitment-layout" },
        h("div", { class: "commitment-text", tabindex: "0", "data-test": "commitment-text" }, ...c.text.split("\n").map((line) => h("p", {}, line))),
        h(
          "div",
          { class: "commitment-sign" },
          h("label", { class: "accept", for: "accept" }, checkbox, h("span", {}, t("commitmentAccept"))),
          h("p", { class: "label" }, t("signHere")),
          canvas,
          h("div", { class: "actions" }, button(t("signClear"), () => signature?.clear(), { kind: "secondary", test: "sign-clear" }), submit),
        ),
      ),
    ];
  },

  decision: () => {
    const a = state.application!;
    const approved = a.status === "approved";
    const refused = a.status === "refused";
    const due = a.acceptDue ?? a.decideDue ?? null;
    const reason = a.decisions?.find((d) => d.outcome === "refused")?.reason ?? null;
    return [
      h("h2", {}, t("resultTitle")),
      h(
        "div",
        { class: `decision ${approved ? "ok" : refused ? "no" : "wait"}`, "data-test": "decision", "data-status": a.status },
        h("div", { class: "decision-mark", "aria-hidden": "true" }, approved ? "✓" : refused ? "✕" : "…"),
        h("h3", {}, approved ? t("approved") : refused ? t("refused") : t("queued")),
        h("p", {}, approved ? t("approvedText") : refused ? (reason ?? "") : due ? t("queuedText", { date: due }) : t("queuedTextNoDate")),
        h("p", { class: "appno" }, `${t("applicationNo")}: `, h("b", { "data-test": "application-no" }, a.id)),
      ),
      h("div", { class: "actions" }, button(t("toCode"), () => goCode(), { kind: "primary big", test: "to-code" })),
    ];
  },

  code: () => {
    const a = state.application!;
    const who = state.applicant!;
    const c = state.code;
    return [
      h("h2", {}, t("codeTitle")),
      h(
        "div",
        { class: "code-layout" },
        h(
          "div",
          { class: "qr-card" },
          c ? h("img", { class: "qr", src: c.qr.png, alt: t("codeTitle"), "data-test": "qr" }) : h("p", { class: "error" }, errorText("unknown")),
          h("p", { class: "qr-name" }, who.enterpriseName),
          c ? h("p", { class: "hint" }, t("codeExpires", { time: formatTime(c.expiresAt) })) : null,
          h("p", { class: "hint" }, t("codeHint")),
        ),
        h(
          "div",
          { class: "receipt", "data-test": "receipt" },
          h("h3", {}, t("receiptTitle")),
          h(
            "dl",
            {},
            h("dt", {}, t("applicationNo")),
            h("dd", { "data-test": "receipt-no" }, a.id),
            h("dt", {}, t("enterprise")),
            h("dd", {}, who.enterpriseName),
            h("dt", {}, t("applicant")),
            h("dd", {}, `${who.personName}（${words().capacities[who.capacity] ?? who.capacity}）`),
            h("dt", {}, t("recordsCount")),
            h("dd", {}, String(a.records?.length ?? state.selected.size)),
            h("dt", {}, t("filedAt")),
            h("dd", {}, formatTime(a.filedAt)),
            h("dt", {}, t("status")),
            h("dd", { "data-test": "receipt-status" }, words().statuses[a.status] ?? a.status),
          ),
        ),
      ),
      h("div", { class: "actions" }, button(t("print"), () => window.print(), { kind: "secondary" }), button(t("done"), () => void finish(), { kind: "primary big", test: "done" })),
    ];
  },
};

function group(key: string, title: string, items: RecordItem[], card: (r: RecordItem) => Node): Node | null {
  if (items.length === 0) return null;
  return h("section", { class: `group group-${key}`, "data-test": `group-${key}` }, h("h3", {}, `${title}（${items.length}）`), ...items.map(card));
}

/** Plain words for a policy reason; the rule id stays visible for the officer at the counter. */
function reasonText(r: Reason): string {
  const rules = words().rules;
  if (lang() === "en") return r.message;
  for (const key of ["min_period", "obligations_fulfilled", "correction_done", "not_repairable", "max_period"]) {
    if (r.ruleId.includes(`.${key}`)) return rules[key]!;
  }
  return r.message;
}

function recordCard(rec: RecordItem, kind: "now" | "later" | "review" | "not"): Node {
  const w = words();
  const reasons = rec.evaluation?.reasons ?? [];
  const selectable = kind === "now";
  const checked = state.selected.has(rec.id);
  const body = h(
    "div",
    { class: "record-body" },
    h("div", { class: "record-title" }, h("b", {}, w.kinds[rec.kind] ?? rec.kind), h("span", { class: `sev sev-${rec.severity}` }, w.severities[rec.severity] ?? rec.severity)),
    h("div", { class: "record-meta" }, `${t("decisionNo")} ${rec.decisionNo} · ${t("decisionDate")} ${rec.decisionDate}`),
    h("div", { class: "record-meta" }, `${t("decidingUnit")} ${rec.decidingUnit}`),
    kind === "later" && rec.evaluation?.earliestDate ? h("div", { class: "record-when", "data-test": "later-date" }, t("laterFrom", { date: rec.evaluation.earliestDate })) : null,
    kind === "later" || kind === "not"
      ? h(
          "ul",
          { class: "record-reasons" },
          ...reasons.map((r) => h("li", {}, reasonText(r), h("small", {}, ` ${t("rule")}: ${r.ruleId}`))),
          kind === "not" && rec.notRepairableBasis ? h("li", {}, rec.notRepairableBasis) : null,
        )
      : null,
    kind === "review" && rec.applicationStatus ? h("div", { class: "record-when" }, words().statuses[rec.applicationStatus] ?? rec.applicationStatus) : null,
  );
  if (!selectable) return h("article", { class: `record record-${kind}`, "data-record": rec.id }, body);
  const box = h("input", {
    type: "checkbox",
    class: "record-check",
    "data-test": "record-check",
    onchange: (e) => {
      if ((e.target as HTMLInputElement).checked) state.selected.add(rec.id);
      else state.selected.delete(rec.id);
      render();
    },
  });
  box.checked = checked;
  return h("label", { class: `record record-${kind}${checked ? " chosen" : ""}`, "data-record": rec.id }, box, body);
}

const KEYS = ["1234567890", "ABCDEFGHJK", "LMNPQRTUWX", "Y"];

function keypad(): Node {
  const press = (key: string) => {
    const field = state.activeField;
    const value = field === "enterprise" ? state.enterpriseInput : state.idNumber;
    const next = key === "del" ? value.slice(0, -1) : key === "clr" ? "" : value + key;
    state.error = null;
    if (field === "enterprise") state.enterpriseInput = next;
    else state.idNumber = next;
    render();
  };
  const keys = KEYS.flatMap((row) => [...row]).map((k) =>
    h("button", { type: "button", class: "key", onmousedown: (e) => e.preventDefault(), onclick: () => press(k) }, k),
  );
  return h(
    "div",
    { class: "keypad", "aria-label": "keyboard" },
    ...keys,
    h("button", { type: "button", class: "key wide", onmousedown: (e) => e.preventDefault(), onclick: () => press("del") }, t("keyDelete")),
    h("button", { type: "button", class: "key wide", onmousedown: (e) => e.preventDefault(), onclick: () => press("clr") }, t("keyClear")),
  );
}

// ------------------------------------------------------------------------------------------
// The flow

function fail(error: unknown): void {
  const code = error instanceof ApiError ? error.code : "unknown";
  state.error = errorText(code);
  if (!(error instanceof ApiError)) console.error(error);
}

/** Runs one step: busy while it runs, plain-words error when it fails, dropped after a wipe. */
async function step(fn: (gen: number) => Promise<void>): Promise<void> {
  if (state.busy) return;
  const gen = generation;
  state.busy = true;
  state.error = null;
  render();
  try {
    await fn(gen);
  } catch (error) {
    if (gen === generation) fail(error);
  } finally {
    if (gen === generation) {
      state.busy = false;
      render();
    }
  }
}

async function begin(): Promise<void> {
  if (!config.token) {
    state.error = errorText("device");
    render();
    return;
  }
  await step(async (gen) => {
    const session = await api.startSession();
    if (gen !== generation) return;
    state.notice = null;
    state.sessionId = session.sessionId;
    state.nonce = session.nonce;
    state.screen = "enterprise";
  });
}

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function usccOk(v: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(v[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === v[17];
}

async function submitEnterprise(): Promise<void> {
  const raw = state.enterpriseInput.trim();
  const looksLikeCode = raw.length > 30 || raw.includes(".") || /^OC1:\//i.test(raw);
  if (!looksLikeCode) {
    const v = raw.toUpperCase();
    if (v.length !== 18) {
      state.error = errorText("uscc_length");
      render();
      return;
    }
    if (!usccOk(v)) {
      state.error = errorText("uscc_invalid");
      render();
      return;
    }
  }
  if (state.capacity === "authorised_agent" && !/^[0-9]{17}[0-9Xx]$/.test(state.idNumber.trim())) {
    state.error = errorText("id_number_required");
    render();
    return;
  }
  await step(async (gen) => {
    const applicant = await api.identify(state.sessionId!, {
      enterprise: looksLikeCode ? raw : raw.toUpperCase(),
      capacity: state.capacity,
      ...(state.capacity === "authorised_agent" ? { idNumber: state.idNumber.trim().toUpperCase() } : {}),
    });
    if (gen !== generation) return;
    if (!applicant.faceEnrolled) throw new ApiError(409, "face_not_enrolled", "");
    state.applicant = applicant;
    state.face = { phase: "starting", captured: 0, reason: null, attemptsLeft: null, scores: null };
    state.screen = "face";
  });
  if (state.screen === "face") void openCamera();
}

async function openCamera(): Promise<void> {
  const gen = generation;
  try {
    await startCamera(video);
    if (gen !== generation || state.screen !== "face") return;
    state.face.phase = "ready";
  } catch {
    if (gen !== generation) return;
    state.error = errorText("camera");
  }
  render();
}

async function runFaceCheck(): Promise<void> {
  if (state.face.phase !== "ready" && state.face.phase !== "refused") return;
  const gen = generation;
  state.error = null;
  state.face = { phase: "capturing", captured: 0, reason: null, attemptsLeft: state.face.attemptsLeft, scores: null };
  render();
  const frames: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    await sleep(FRAME_GAP_MS);
    if (gen !== generation) return;
    frames.push(captureFrame(video));
    state.face.captured = i + 1;
    render();
  }
  state.face.phase = "checking";
  render();
  try {
    const result = await api.face(state.sessionId!, { personId: state.applicant!.personId, nonce: state.nonce!, frames });
    if (gen !== generation) return;
    state.nonce = result.nonce;
    const s = result.scores;
    state.face.scores = t("scores", { s: s.similarity.toFixed(2), a: s.antispoof.toFixed(2), l: s.liveness.toFixed(2) });
    if (result.verdict === "passed" && result.assertion) {
      state.assertion = result.assertion;
      state.face.phase = "passed";
      render();
      stopCamera();
      await sleep(700);
      if (gen !== generation) return;
      await step(async (g) => {
        const records = await api.records(state.applicant!.enterpriseId);
        if (g !== generation) return;
        state.records = records;
        state.selected = new Set(records.repairableNow.map((r) => r.id));
        state.screen = "records";
      });
      return;
    }
    state.face.reason = result.reason ?? "not_same_person";
    state.face.attemptsLeft = result.attemptsLeft;
    state.face.phase = result.attemptsLeft > 0 ? "refused" : "locked";
    if (state.face.phase === "locked") state.face.reason = "too_many_attempts";
  } catch (error) {
    if (gen !== generation) return;
    if (error instanceof ApiError && error.code === "too_many_attempts") {
      state.face.phase = "locked";
      state.face.reason = "too_many_attempts";
    } else {
      state.face.phase = "refused";
      fail(error);
      if (error instanceof ApiError && error.code === "nonce_stale") state.face.phase = "ready";
    }
  }
  render();
}

async function toCommitment(): Promise<void> {
  await step(async (gen) => {
    const c = await api.commitment();
    if (gen !== generation) return;
    state.commitment = { version: c.version, text: c.text };
    state.accepted = false;
    state.screen = "commitment";
  });
}

async function submitApplication(): Promise<void> {
  if (!state.accepted || !signature || signature.isEmpty()) {
    state.error = t("needAccept");
    render();
    return;
  }
  // The application keeps a digest of the signature image, not the image (no uploads).
  const png = signature.toDataUrl();
  const sig = `sha256:${bytesToHex(sha256(new TextEncoder().encode(png)))}`;
  const who = state.applicant!;
  await step(async (gen) => {
    const application = await api.apply({
      enterpriseId: who.enterpriseId,
      recordIds: [...state.selected],
      applicant: {
        personId: who.personId,
        capacity: who.capacity,
        ...(who.authorisation ? { authorisationRef: who.authorisation.reference } : {}),
      },
      commitment: { version: state.commitment!.version, accepted: true, signature: sig },
      faceAssertion: state.assertion,
    });
    if (gen !== generation) return;
    state.assertion = null; // single use
    state.application = application;
    state.screen = "decision";
    try {
      state.code = await api.code(who.enterpriseId);
    } catch {
      state.code = null; // the receipt still shows; the code can be fetched at the counter
    }
  });
}

function goCode(): void {
  state.screen = "code";
  render();
}

/** Ends the visit: the server session ends (its unused assertion dies with it), the screen is wiped. */
async function finish(notice: string | null = null): Promise<void> {
  const sessionId = state.sessionId;
  generation++;
  stopCamera();
  video.srcObject = null;
  signature = null;
  state = initialState();
  state.notice = notice;
  render();
  if (sessionId) await api.endSession(sessionId).catch(() => {});
}

// ------------------------------------------------------------------------------------------
// The idle timer

const idleBar = h("div", { class: "idle-bar", "data-test": "idle-bar", hidden: true });
let lastActivity = Date.now();
for (const type of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) {
  window.addEventListener(type, () => (lastActivity = Date.now()), { capture: true, passive: true });
}

setInterval(() => {
  if (state.screen === "welcome") {
    idleBar.hidden = true;
    lastActivity = Date.now();
    return;
  }
  // A face check in flight is activity: the person is standing still on purpose.
  if (state.busy || state.face.phase === "capturing" || state.face.phase === "checking") lastActivity = Date.now();
  const left = config.idleMs - (Date.now() - lastActivity);
  if (left <= 0) {
    idleBar.hidden = true;
    void finish(t("idleWiped"));
    return;
  }
  const warnFrom = Math.min(15_000, config.idleMs / 3);
  idleBar.hidden = left > warnFrom;
  if (!idleBar.hidden) idleBar.textContent = t("idleWarning", { n: Math.ceil(left / 1000) });
}, 250);

render();
