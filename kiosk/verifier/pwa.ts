// The verifier as an installable app: its name, colours and icon for the shared PWA build step
// (kiosk/lib/pwa/build.ts writes its manifest, icons and service worker into dist/verifier/).
// The icon, on a 24×24 grid: a white code with three finder squares on the dark brand colour
// and a green square for "checked".
import { finder, type IconDrawing } from "../lib/pwa/icon.ts";
import { pwaPlugin } from "../lib/pwa/build.ts";
import { zh } from "../i18n/verifier.ts";

const NAVY = "#10243e";
const WHITE = "#ffffff";
const GREEN = "#1b7f3b";

export const VERIFIER_ICON: IconDrawing = {
  grid: 24,
  background: NAVY,
  cells: [
    { x: 5, y: 5, w: 14, h: 14, colour: WHITE },
    ...finder(6, 6, 4, NAVY, WHITE),
    ...finder(14, 6, 4, NAVY, WHITE),
    ...finder(6, 14, 4, NAVY, WHITE),
    ...[
      [11, 6],
      [12, 8],
      [10, 10],
      [13, 11],
      [11, 12],
      [6, 11],
      [8, 12],
      [15, 12],
    ].map(([x, y]) => ({ x: x!, y: y!, w: 1, h: 1, colour: NAVY })),
    { x: 14, y: 14, w: 4, h: 4, colour: GREEN },
  ],
};

export const verifierPwa = () =>
  pwaPlugin({ page: "verifier", name: zh["verifier.title"], shortName: zh["verifier.appName"], backgroundColour: "#f3f5f8", themeColour: NAVY, icon: VERIFIER_ICON });
