// Everything the kiosk knows about the visit on screen. The screens are drawn from it; a
// wipe (idle timer, "back to start", done) replaces it whole with initialState().
import type { Api, Applicant, Application, Code, RecordsView } from "./api.ts";
import type { KioskConfig } from "./config.ts";
import type { SignaturePad } from "./signature.ts";
import type { BindOffer } from "./screens/bind.ts";
import type { UnbindState } from "./screens/unbind.ts";

export type Screen = "welcome" | "enterprise" | "self" | "face" | "records" | "commitment" | "decision" | "code" | "bind" | "unbind";
export type FacePhase = "starting" | "ready" | "capturing" | "checking" | "passed" | "refused" | "locked";
export type Capacity = "legal_representative" | "authorised_agent";
/** enterprise: for an enterprise (its legal representative or an agent); self: a person for themself (本人办理). */
export type Mode = "enterprise" | "self";

export interface FaceState {
  phase: FacePhase;
  captured: number;
  reason: string | null;
  attemptsLeft: number | null;
}

export interface State {
  screen: Screen;
  busy: boolean;
  /** An API problem code, a face refusal reason or a check of the kiosk's own: words at drawing time, in the language shown. */
  error: string | null;
  /** Said on the welcome screen after the idle timer wiped a visit. */
  notice: "idle_wiped" | null;
  sessionId: string | null;
  nonce: string | null;
  mode: Mode;
  enterpriseInput: string;
  capacity: Capacity;
  idNumber: string;
  activeField: "enterprise" | "idNumber";
  applicant: Applicant | null;
  face: FaceState;
  assertion: string | null;
  records: RecordsView | null;
  selected: Set<string>;
  commitment: { version: string; text: string } | null;
  accepted: boolean;
  application: Application | null;
  code: Code | null;
  /** The one-time binding QR shown on the bind screen (./screens/bind.ts). */
  binding: BindOffer | null;
  /** The phones listed for removal after the face check (./screens/unbind.ts). */
  unbind: UnbindState | null;
}

export const freshFace = (attemptsLeft: number | null = null): FaceState => ({ phase: "starting", captured: 0, reason: null, attemptsLeft });

export function initialState(): State {
  return {
    screen: "welcome",
    busy: false,
    error: null,
    notice: null,
    sessionId: null,
    nonce: null,
    mode: "enterprise",
    enterpriseInput: "",
    capacity: "legal_representative",
    idNumber: "",
    activeField: "enterprise",
    applicant: null,
    face: freshFace(),
    assertion: null,
    records: null,
    selected: new Set(),
    commitment: null,
    accepted: false,
    application: null,
    code: null,
    binding: null,
    unbind: null,
  };
}

/** The running kiosk: its state, its services, and the one way to redraw. */
export interface Kiosk {
  state: State;
  /** Bumped by every wipe: async work started before a wipe drops its result. */
  generation: number;
  /** The signature pad of the commitment screen, while it is shown. */
  signature: SignaturePad | null;
  /** One video element for the whole life of the page: re-rendering keeps the preview running. */
  readonly video: HTMLVideoElement;
  readonly api: Api;
  readonly config: KioskConfig;
  render(): void;
}
