// An installable app's icon, one drawing for both files the build writes (./build.ts): icon.svg
// and the 192 and 512 px PNGs that installation needs. A drawing is a square grid of cells on a
// background; later cells paint over earlier ones. Each app keeps its own drawing (its pwa.ts)
// inside the central 80 % of the grid, so that a maskable crop keeps it whole.
export interface Cell {
  x: number;
  y: number;
  w: number;
  h: number;
  /** #rrggbb */
  colour: string;
}

export interface IconDrawing {
  /** Cells per side. */
  grid: number;
  /** #rrggbb, under every cell. */
  background: string;
  cells: Cell[];
}

/** A QR finder square of `size` cells with a hole of `size - 2` (`outer` ring, `inner` hole). */
export const finder = (x: number, y: number, size: number, outer: string, inner: string): Cell[] => [
  { x, y, w: size, h: size, colour: outer },
  { x: x + 1, y: y + 1, w: size - 2, h: size - 2, colour: inner },
];

export function iconSvg(icon: IconDrawing): string {
  const rects = [{ x: 0, y: 0, w: icon.grid, h: icon.grid, colour: icon.background }, ...icon.cells]
    .map((c) => `<rect x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}" fill="${c.colour}"/>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${icon.grid} ${icon.grid}" shape-rendering="crispEdges">${rects}</svg>\n`;
}

/** RGBA pixels of the icon at `size` × `size`. */
export function iconPixels(icon: IconDrawing, size: number): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      const gx = (px * icon.grid) / size;
      const gy = (py * icon.grid) / size;
      let colour = icon.background;
      for (const c of icon.cells) if (gx >= c.x && gx < c.x + c.w && gy >= c.y && gy < c.y + c.h) colour = c.colour;
      const at = (py * size + px) * 4;
      pixels[at] = parseInt(colour.slice(1, 3), 16);
      pixels[at + 1] = parseInt(colour.slice(3, 5), 16);
      pixels[at + 2] = parseInt(colour.slice(5, 7), 16);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}
