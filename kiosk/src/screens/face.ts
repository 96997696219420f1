// Face check: the live preview with an oval, what to do, progress, and the server's verdict
// in plain words.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { runFaceCheck } from "../face-check.ts";
import { FACE_FRAMES, type FaceState, type Kiosk } from "../state.ts";
import { button, problemText } from "../ui.ts";

function statusText(f: FaceState): string {
  switch (f.phase) {
    case "starting":
      return t("kiosk.faceCameraStarting");
    case "capturing":
      return t("kiosk.faceCapturing", { n: f.captured, total: FACE_FRAMES });
    case "checking":
      return t("kiosk.faceChecking");
    case "passed":
      return t("kiosk.facePassed");
    case "refused":
    case "locked":
      return t("kiosk.faceRefused");
    default:
      return t("kiosk.faceReady");
  }
}

/** 0…1: each frame taken is a step, the server's check the last one. */
function progressOf(f: FaceState): number {
  if (f.phase === "capturing") return f.captured / (FACE_FRAMES + 1);
  if (f.phase === "checking") return FACE_FRAMES / (FACE_FRAMES + 1);
  return f.phase === "passed" ? 1 : 0;
}

export function faceScreen(k: Kiosk): Child[] {
  const s = k.state;
  const f = s.face;
  const percent = Math.round(progressOf(f) * 100);
  k.video.setAttribute("aria-label", t("kiosk.camera"));
  return [
    h("h2", {}, t("kiosk.faceTitle")),
    h(
      "div",
      { class: "face-layout" },
      h("div", { class: `camera phase-${f.phase}` }, k.video, h("div", { class: "oval", "aria-hidden": "true" })),
      h(
        "div",
        { class: "face-side" },
        h("p", { class: "face-who" }, t("kiosk.faceFor", { name: s.applicant?.personName ?? "" })),
        h("ul", { class: "guide" }, h("li", {}, t("kiosk.faceGuide1")), h("li", {}, t("kiosk.faceGuide2")), h("li", {}, t("kiosk.faceGuide3"))),
        h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(percent) }, h("div", { class: "bar", style: `width:${percent}%` })),
        h("p", { class: `face-status phase-${f.phase}`, "data-test": "face-status", role: "status" }, statusText(f)),
        f.reason ? h("p", { class: "face-reason", "data-test": "face-reason", "data-reason": f.reason }, problemText(f.reason)) : null,
        f.phase === "refused" && f.attemptsLeft !== null ? h("p", { class: "hint" }, t("kiosk.attemptsLeft", { n: f.attemptsLeft })) : null,
        f.scores
          ? h("p", { class: "scores" }, t("kiosk.scores", { s: f.scores.similarity.toFixed(2), a: f.scores.antispoof.toFixed(2), l: f.scores.liveness.toFixed(2) }))
          : null,
        h(
          "div",
          { class: "actions" },
          f.phase === "ready" ? button(s.busy, t("kiosk.faceStart"), () => void runFaceCheck(k), { kind: "primary big", test: "face-start" }) : null,
          f.phase === "refused" ? button(s.busy, t("kiosk.faceRetry"), () => void runFaceCheck(k), { kind: "primary big", test: "face-retry" }) : null,
        ),
      ),
    ),
  ];
}
