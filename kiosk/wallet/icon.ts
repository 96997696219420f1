// The wallet's icon, one drawing for icon.svg and the 192 and 512 px PNGs that installation
// needs (./pwa-build.ts): a white code with three finder squares on the brand red, a phone's
// shape around it, all inside the central 80 % so that a maskable crop keeps it whole.
export const GRID = 24;
const RED = "#b3261e";
const WHITE = "#ffffff";

interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
  colour: string;
}

const finder = (x: number, y: number): Cell[] => [
  { x, y, w: 3, h: 3, colour: RED },
  { x: x + 1, y: y + 1, w: 1, h: 1, colour: WHITE },
];

/** Later cells paint over earlier ones. */
const ICON: Cell[] = [
  { x: 0, y: 0, w: GRID, h: GRID, colour: RED },
  { x: 7, y: 4, w: 10, h: 16, colour: WHITE }, // the phone
  { x: 8, y: 6, w: 8, h: 10, colour: WHITE },
  ...finder(8, 7),
  ...finder(13, 7),
  ...finder(8, 12),
  ...[
    [12, 11],
    [13, 12],
    [14, 13],
    [12, 14],
    [15, 11],
  ].map(([x, y]) => ({ x: x!, y: y!, w: 1, h: 1, colour: RED })),
  { x: 11, y: 17, w: 2, h: 1, colour: RED }, // the phone's button
];

export function iconSvg(): string {
  const rects = ICON.map((c) => `<rect x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}" fill="${c.colour}"/>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRID} ${GRID}" shape-rendering="crispEdges">${rects}</svg>\n`;
}

/** RGBA pixels of the icon at `size` × `size`. */
export function iconPixels(size: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      const gx = (px * GRID) / size;
      const gy = (py * GRID) / size;
      let colour = RED;
      for (const c of ICON) if (gx >= c.x && gx < c.x + c.w && gy >= c.y && gy < c.y + c.h) colour = c.colour;
      const at = (py * size + px) * 4;
      pixels[at] = parseInt(colour.slice(1, 3), 16);
      pixels[at + 1] = parseInt(colour.slice(3, 5), 16);
      pixels[at + 2] = parseInt(colour.slice(5, 7), 16);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}
