// Face check: the live preview with an oval, the challenge (which way to turn, in words and as a
// moving arrow over the preview), progress, and the server's verdict in plain words: never a
// score. A network failure, the service being unavailable and a lockout each say what to do.
import { h, type Child } from "../../lib/dom.ts";
import { t } from "../../i18n/index.ts";
import { currentAttempt, LOOK_STRAIGHT_FRAMES, runFaceCheck, type FaceChallenge } from "../face-check.ts";
import type { FaceState, Kiosk } from "../state.ts";
import { button, problemText } from "../ui.ts";

/** The status line; while recording, the screen shows the challenge and the count instead. */
function statusText(f: FaceState): string {
  switch (f.phase) {
    case "starting":
      return t("kiosk.faceCameraStarting");
    case "capturing":
      return t("kiosk.faceGetChallenge");
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

/** 0…1: each frame recorded is a step, the server's check the last one. */
function progressOf(f: FaceState, challenge: FaceChallenge | null): number {
  const total = challenge?.frames ?? 1;
  if (f.phase === "capturing") return f.captured / (total + 1);
  if (f.phase === "checking") return total / (total + 1);
  return f.phase === "passed" ? 1 : 0;
}

/**
 * The arrow over the preview, sliding the way to turn. The preview is mirrored, so the person's
 * own right is the screen's right. Animated with the Web Animations API (no stylesheet needed).
 */
function turnCue(challenge: FaceChallenge, lookStraight: boolean): HTMLElement {
  const right = challenge.action === "turn_right";
  const cue = h(
    "div",
    {
      class: "face-cue",
      "data-test": "face-cue",
      "data-action": challenge.action,
      "aria-hidden": "true",
      style:
        "position:absolute;top:42%;left:50%;transform:translate(-50%,-50%);font-size:7rem;line-height:1;color:#fff;" +
        "text-shadow:0 0 12px rgba(0,0,0,0.8);pointer-events:none;",
    },
    lookStraight ? "●" : right ? "→" : "←",
  );
  if (!lookStraight && typeof cue.animate === "function") {
    const shift = right ? 120 : -120;
    const animation = cue.animate(
      [
        { transform: "translate(-50%,-50%)", opacity: 0.4 },
        { transform: `translate(calc(-50% + ${shift}px),-50%)`, opacity: 1 },
        { transform: "translate(-50%,-50%)", opacity: 0.4 },
      ],
      { duration: 1600, iterations: Infinity, easing: "ease-in-out" },
    );
    // the screen is redrawn at every frame recorded: keep the arrow's motion continuous
    animation.currentTime = performance.now() % 1600;
  }
  return cue;
}

function lockText(retryAfterSeconds: number | null): string {
  return retryAfterSeconds === null ? t("kiosk.faceLockedSession") : t("kiosk.faceLockedWait", { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
}

export function faceScreen(k: Kiosk): Child[] {
  const s = k.state;
  const f = s.face;
  const { challenge, retryAfterSeconds } = currentAttempt(k);
  const percent = Math.round(progressOf(f, challenge) * 100);
  const recording = f.phase === "capturing" && challenge !== null;
  k.video.setAttribute("aria-label", t("kiosk.camera"));
  return [
    h("h2", {}, t("kiosk.faceTitle")),
    h(
      "div",
      { class: "face-layout" },
      h(
        "div",
        { class: `camera phase-${f.phase}` },
        k.video,
        h("div", { class: "oval", "aria-hidden": "true" }),
        recording ? turnCue(challenge, f.captured < LOOK_STRAIGHT_FRAMES) : null,
      ),
      h(
        "div",
        { class: "face-side" },
        h("p", { class: "face-who" }, t("kiosk.faceFor", { name: s.applicant?.personName ?? "" })),
        recording
          ? h(
              "p",
              {
                class: "face-challenge",
                "data-test": "face-challenge",
                "data-action": challenge.action,
                "data-phase": f.captured < LOOK_STRAIGHT_FRAMES ? "look" : "turn",
                style: "font-size:2rem;font-weight:700;margin:0;",
              },
              f.captured < LOOK_STRAIGHT_FRAMES ? t("kiosk.faceLookStraight") : t(`kiosk.faceTurn.${challenge.action}`),
            )
          : h("ul", { class: "guide" }, h("li", {}, t("kiosk.faceGuide1")), h("li", {}, t("kiosk.faceGuide2")), h("li", {}, t("kiosk.faceGuide3"))),
        recording ? h("p", { class: "hint" }, t("kiosk.faceTurnHint")) : null,
        h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(percent) }, h("div", { class: "bar", style: `width:${percent}%` })),
        h(
          "p",
          { class: `face-status phase-${f.phase}`, "data-test": "face-status", role: "status" },
          recording ? t("kiosk.faceCapturing", { n: f.captured, total: challenge.frames }) : statusText(f),
        ),
        f.reason ? h("p", { class: "face-reason", "data-test": "face-reason", "data-reason": f.reason }, problemText(f.reason)) : null,
        f.phase === "locked" ? h("p", { class: "hint", "data-test": "face-wait" }, lockText(retryAfterSeconds)) : null,
        f.phase === "refused" && f.attemptsLeft !== null && f.reason !== "network" && f.reason !== "face_engine_unavailable"
          ? h("p", { class: "hint" }, t("kiosk.attemptsLeft", { n: f.attemptsLeft }))
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
