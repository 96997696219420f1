// The wallet as an installable app: its name, colours and icon for the shared PWA build step
// (kiosk/lib/pwa/build.ts writes its manifest, icons and service worker into dist/wallet/).
// The icon, on a 24×24 grid: a white code with three finder squares on the brand red, a phone's
// shape around it.
import { finder, type IconDrawing } from "../lib/pwa/icon.ts";
import { pwaPlugin } from "../lib/pwa/build.ts";
import { zh } from "../i18n/wallet.ts";

const RED = "#b3261e";
const WHITE = "#ffffff";

export const WALLET_ICON: IconDrawing = {
  grid: 24,
  background: RED,
  cells: [
    { x: 7, y: 4, w: 10, h: 16, colour: WHITE }, // the phone
    { x: 8, y: 6, w: 8, h: 10, colour: WHITE },
    ...finder(8, 7, 3, RED, WHITE),
    ...finder(13, 7, 3, RED, WHITE),
    ...finder(8, 12, 3, RED, WHITE),
    ...[
      [12, 11],
      [13, 12],
      [14, 13],
      [12, 14],
      [15, 11],
    ].map(([x, y]) => ({ x: x!, y: y!, w: 1, h: 1, colour: RED })),
    { x: 11, y: 17, w: 2, h: 1, colour: RED }, // the phone's button
  ],
};

export const walletPwa = () =>
  pwaPlugin({ page: "wallet", name: zh["wallet.pageTitle"], shortName: zh["wallet.appName"], backgroundColour: "#f6f4f2", themeColour: RED, icon: WALLET_ICON });
