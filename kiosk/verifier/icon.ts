// The verifier's icon, one drawing for both files the build writes (./pwa-build.ts):
// icon.svg and the 192 and 512 px PNGs that installation needs. A 24×24 grid: a white code
// with three finder squares on the dark brand colour and a green square for "checked",
// all inside the central 80 % so a maskable crop keeps it whole.
export interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
  colour: string;
}

export const GRID = 24;
const NAVY = "#10243e";
const WHITE = "#ffffff";
const GREEN = "#1b7f3b";

const finder = (x: number, y: number): Cell[] => [
  { x, y, w: 4, h: 4, colour: NAVY },
  { x: x + 1, y: y + 1, w: 2, h: 2, colour: WHITE },
];

/** Later cells paint over earlier ones. */
export const ICON: Cell[] = [
  { x: 0, y: 0, w: GRID, h: GRID, colour: NAVY },
  { x: 5, y: 5, w: 14, h: 14, colour: WHITE },
  ...finder(6, 6),
  ...finder(14, 6),
  ...finder(6, 14),
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
      let colour = NAVY;
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
