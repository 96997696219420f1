// `npm run bench -- face-alignment [--json]`
//
// How the face chip is cut, measured: the recognition net (face-api's dlib ResNet) is fed the
// same detections (Human's mesh) cut into chips in several ways, on every genuine and impostor pair
// of ../shared/faces (as `npm run bench -- face-calibration`). For each variant: the closest
// impostor pair, and at distance < 0.50 (production) and at its own zero-false-match limit, the
// false matches over all impostor pairs and false non-matches over the genuine photo pairs and the
// live frames. The production chip is "mesh-3pt" (api/src/face/mesh.ts dlibChip, mean with its
// mirror). Variants:
//   mesh-3pt-nomirror  the chip alone, no mirror (half the descriptor time)
//   dlib-5pt-pP        dlib's own alignment (get_face_chip_details: a least-squares similarity of
//                      the eye corners and the nose base onto dlib's template, padding P), + mirror
//   mesh-3pt-black     production, but the chip cut from the photo itself with black outside it
//                      (dlib's padding) instead of from the bench's grey-padded copy (small photos
//                      are padded so that the detector finds faces that fill them)
//   ensemble           mean of the mesh-3pt and dlib-5pt-p0.25 descriptors (twice the time)
import { createFaceEngine } from "../../api/src/face/engine.ts";
import { CHIP_SIZE, dlibChip, type Point, type Rgba } from "../../api/src/face/mesh.ts";
import { distance } from "../../api/src/face/verify.ts";
import { facePairs, faceImage, padTo } from "../../test/face/data.ts";
import { count, similarity } from "./_face-data.ts";

// dlib's 5-point template (unit square): the eye at the image's right (outer, inner corner), the
// eye at the image's left (outer, inner), the nose base; and the mesh points for them
const TEMPLATE: Point[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];
const MESH_5 = [263, 362, 33, 133, 2];

/** dlib's chip: the template scaled into the chip with `padding`, bilinear, black outside the image. */
function dlib5Chip(img: Rgba, mesh: readonly Point[], padding: number, size = CHIP_SIZE): Float32Array {
  const to = TEMPLATE.map(([x, y]) => [((padding + x) / (2 * padding + 1)) * size, ((padding + y) / (2 * padding + 1)) * size] as Point);
  const [a, b, tx, ty] = similarity(
    to,
    MESH_5.map((i) => mesh[i]!),
  );
  const { width: w, height: h, data: d } = img;
  const out = new Float32Array(size * size * 3);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = a * (u + 0.5) - b * (v + 0.5) + tx;
      const y = b * (u + 0.5) + a * (v + 0.5) + ty;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const o = (v * size + u) * 3;
      for (let k = 0; k < 4; k++) {
        const xx = x0 + (k & 1);
        const yy = y0 + (k >> 1);
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const wt = (k & 1 ? x - x0 : 1 - (x - x0)) * (k >> 1 ? y - y0 : 1 - (y - y0));
        const i = (yy * w + xx) * 4;
        for (let c = 0; c < 3; c++) out[o + c] = out[o + c]! + wt * d[i + c]!;
      }
    }
  }
  return out;
}

type Cut = (raw: Rgba, padded: Rgba, mesh: readonly Point[]) => Float32Array;
const unpad = (raw: Rgba, padded: Rgba, mesh: readonly Point[]) => {
  const ox = (padded.width - raw.width) >> 1;
  const oy = (padded.height - raw.height) >> 1;
  return mesh.map((p) => [p[0] - ox, p[1] - oy] as Point);
};
const VARIANTS: Record<string, { cut: Cut; mirror: boolean }> = {
  "mesh-3pt": { cut: (_, p, m) => dlibChip(p, m), mirror: true },
  "mesh-3pt-nomirror": { cut: (_, p, m) => dlibChip(p, m), mirror: false },
  "dlib-5pt-p0.20": { cut: (_, p, m) => dlib5Chip(p, m, 0.2), mirror: true },
  "dlib-5pt-p0.25": { cut: (_, p, m) => dlib5Chip(p, m, 0.25), mirror: true },
  "dlib-5pt-p0.30": { cut: (_, p, m) => dlib5Chip(p, m, 0.3), mirror: true },
  "mesh-3pt-black": { cut: (r, p, m) => dlibChip(r, unpad(r, p, m)), mirror: true },
};

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const log = (s = "") => (json ? process.stderr.write(s + "\n") : console.log(s));
  const [withMirror, withoutMirror] = await Promise.all([createFaceEngine(), createFaceEngine({ mirror: false })]);
  const { genuine, impostor, live } = facePairs();
  const names = [...new Set([...genuine, ...impostor, ...live].flatMap((p) => [p.a, p.b]))].sort();
  const desc = new Map<string, Map<string, number[] | null>>(Object.keys(VARIANTS).map((v) => [v, new Map()]));
  for (const [n, name] of names.entries()) {
    const raw = faceImage(name);
    const padded = padTo(raw);
    const det = await withMirror.detect(padded, { passive: false });
    for (const [v, { cut, mirror }] of Object.entries(VARIANTS)) {
      const engine = mirror ? withMirror : withoutMirror;
      desc.get(v)!.set(name, det.faces >= 1 && det.mesh ? await engine.describeChip(cut(raw, padded, det.mesh)) : null);
    }
    process.stderr.write(`\r  describing ${n + 1}/${names.length}   `);
  }
  process.stderr.write("\n");
  await Promise.all([withMirror.close(), withoutMirror.close()]);
  const a = desc.get("mesh-3pt")!;
  const b = desc.get("dlib-5pt-p0.25")!;
  desc.set("ensemble", new Map(names.map((n) => [n, a.get(n) && b.get(n) ? a.get(n)!.map((x, i) => (x + b.get(n)![i]!) / 2) : null])));

  const rows = [...desc.entries()].map(([variant, m]) => {
    const d = (p: { a: string; b: string }) => {
      const x = m.get(p.a);
      const y = m.get(p.b);
      return x && y ? distance(x, y) : Infinity;
    };
    const g = genuine.map(d);
    const l = live.map(d);
    const im = impostor.map(d);
    const limit = Math.min(...im);
    const at = (t: number) => ({
      threshold: Math.round(t * 1000) / 1000,
      falseMatches: count(im, (x) => x < t),
      falseNonMatchesPhoto: count(g, (x) => !(x < t)),
      falseNonMatchesLiveFrames: count(l, (x) => !(x < t)),
    });
    return { variant, closestImpostor: Math.round(limit * 1000) / 1000, atProduction: at(0.5), atOwnLimit: at(Math.floor(limit * 1000) / 1000) };
  });
  log(`${genuine.length} genuine photo pairs, ${live.length} live frames x reference, ${impostor.length} impostor pairs`);
  log("| chip | closest impostor | < 0.50: false matches · FNM photo · FNM live | own limit: distance < · false matches · FNM photo · FNM live |");
  log("|---|---|---|---|");
  for (const r of rows) {
    const p = r.atProduction;
    const o = r.atOwnLimit;
    const pc = (n: number) => `${n}/${genuine.length} (${((100 * n) / genuine.length).toFixed(1)} %)`;
    log(`| ${r.variant} | ${r.closestImpostor.toFixed(3)} | ${p.falseMatches} · ${pc(p.falseNonMatchesPhoto)} · ${p.falseNonMatchesLiveFrames}/${live.length} | ${o.threshold} · ${o.falseMatches} · ${pc(o.falseNonMatchesPhoto)} · ${o.falseNonMatchesLiveFrames}/${live.length} |`);
  }
  if (json) console.log(JSON.stringify({ genuinePhotoPairs: genuine.length, liveFrames: live.length, impostorPairs: impostor.length, variants: rows }));
}
