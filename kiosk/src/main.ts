// The self-service kiosk (一体机): welcome → enterprise → face check → records → commitment →
// decision → fresh enterprise code and receipt. Plain TypeScript and DOM; every screen is
// drawn from the state (./state.ts) by ./render.ts; the steps of the visit are in ./flow.ts
// and ./face-check.ts, each screen in ./screens/. A shared public device: the idle timer
// (./idle.ts) ends the server session and wipes everything.
import "./style.css";
import { startLang } from "../i18n/index.ts";
import { createApi } from "./api.ts";
import { readConfig } from "./config.ts";
import { startIdleTimer } from "./idle.ts";
import { renderKiosk } from "./render.ts";
import { initialState, type Kiosk } from "./state.ts";

const config = readConfig();
startLang(); // ?lang=en; never remembered across page loads (a shared device)
const video = document.createElement("video");
video.className = "preview";

const app = document.getElementById("app")!;
const kiosk: Kiosk = {
  state: initialState(),
  generation: 0,
  signature: null,
  video,
  api: createApi(config.apiBase, () => config.token),
  config,
  render: () => renderKiosk(kiosk, app, idleBar),
};
const idleBar = startIdleTimer(kiosk);
kiosk.render();
