// `npm run bench -- face-calibration [--json] [--no-mirror]`
//
// The recognition threshold of the face check, re-measured on the shared photos and live video of
// real people (../shared/faces; ONECODE_FACES_DIR to point elsewhere): descriptor distances of
// every genuine and impostor pair the shared README defines, with the production engine (Human's
// mesh → levelled dlib chip + mirror → face-api's recognition net). Prints the ranges, the
// hardest impostors, the zero-false-match threshold, and a sweep: false matches over all impostor
// pairs, false non-matches over the photo pairs and the live frames, and live attempts accepted by
// the identity rule (median of the frames below the threshold, every frame and every step
// between frames below maxFrameDistance / maxStepDistance) for three frame spacings; and impostor
// attempts (every 12-frame window against every other person's photo). Counts, not rates: a few
// hundred pairs are rough statistics. api/src/face/verify.ts quotes this table.
import { createFaceEngine } from "../../api/src/face/engine.ts";
import { DEFAULT_THRESHOLDS, distance } from "../../api/src/face/verify.ts";
import { facePairs, liveFrameNames } from "../../test/face/data.ts";
import { count, describeAll, identityPasses, liveWindows, range, REFERENCE, scorePairs } from "./_face-data.ts";

const THRESHOLDS = [0.4, 0.45, 0.48, 0.5, 0.52];
const SPACINGS = [
  { n: 12, step: 2, label: "12x200ms" },
  { n: 10, step: 2, label: "10x200ms" },
  { n: 15, step: 1, label: "15x100ms" },
] as const;

export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const log = (s = "") => (json ? process.stderr.write(s + "\n") : console.log(s));
  // --no-mirror: the descriptor of the chip alone (half the descriptor time), to compare with the production mean of chip + mirror
  const engine = await createFaceEngine({ mirror: !args.includes("--no-mirror") });
  log(`model: ${engine.model} (${engine.version}), backend ${engine.backend}, load ${Math.round(engine.modelLoadMs)} ms`);
  const described = await describeAll(engine, (done, total) => process.stderr.write(`\r  describing ${done}/${total}   `));
  process.stderr.write("\n");
  await engine.close();
  const scored = scorePairs(described);
  const { genuine, impostor, live } = facePairs();
  const liveNames = liveFrameNames();
  const ref = described.get(REFERENCE)!.descriptor!;
  const frameDesc = liveNames.map((n) => described.get(n)?.descriptor ?? null);
  const toRef = frameDesc.map((d) => (d ? distance(d, ref) : Infinity));
  const step = (i: number, j: number) => (frameDesc[i] && frameDesc[j] ? distance(frameDesc[i]!, frameDesc[j]!) : Infinity);
  const others = [...new Set(impostor.filter((p) => p.kind === "reference x others").map((p) => p.b))];

  const zeroFm = Math.min(...scored.impostor);
  const allGenuine = [...scored.genuine, ...scored.live];
  // equal-error rate over all genuine pairs against all impostor pairs
  let eer = { rate: 1, at: 0 };
  for (const t of [...new Set([...allGenuine, ...scored.impostor].filter(Number.isFinite))].sort((a, b) => a - b)) {
    const fnm = count(allGenuine, (d) => !(d < t)) / allGenuine.length;
    const fm = count(scored.impostor, (d) => d < t) / scored.impostor.length;
    if (Math.max(fnm, fm) < eer.rate) eer = { rate: Math.max(fnm, fm), at: t };
  }
  const rows = [...new Set([...THRESHOLDS, Math.floor(zeroFm * 1000) / 1000])].sort((a, b) => a - b).map((t) => {
    const th = { ...DEFAULT_THRESHOLDS, maxMedianDistance: t, maxFrameDistance: Math.max(t, DEFAULT_THRESHOLDS.maxFrameDistance) };
    const attempts: Record<string, string> = {};
    for (const s of SPACINGS) {
      const w = liveWindows(s.n, s.step);
      const ok = w.filter((idx) => identityPasses(idx.map((i) => toRef[i]!), idx.slice(1).map((i, k) => step(idx[k]!, i)), th)).length;
      attempts[s.label] = `${ok}/${w.length}`;
    }
    // impostor attempts: each 12 x 200 ms window of the video against every other person's photo
    let impostorAttempts = 0;
    let impostorAccepted = 0;
    for (const o of others) {
      const od = described.get(o)?.descriptor;
      if (!od) continue;
      for (const idx of liveWindows(12, 2)) {
        impostorAttempts++;
        const d = idx.map((i) => (frameDesc[i] ? distance(frameDesc[i]!, od) : Infinity));
        if (identityPasses(d, idx.slice(1).map((i, k) => step(idx[k]!, i)), th)) impostorAccepted++;
      }
    }
    return {
      threshold: t,
      falseMatches: `${count(scored.impostor, (d) => d < t)}/${scored.impostor.length}`,
      falseNonMatchesPhoto: `${count(scored.genuine, (d) => !(d < t))}/${scored.genuine.length}`,
      falseNonMatchesLiveFrames: `${count(scored.live, (d) => !(d < t))}/${scored.live.length}`,
      falseNonMatchesAll: `${count(allGenuine, (d) => !(d < t))}/${allGenuine.length}`,
      liveAttemptsAccepted: attempts,
      impostorAttemptsAccepted: `${impostorAccepted}/${impostorAttempts}`,
    };
  });
  const out = {
    model: engine.model,
    pairs: { genuinePhoto: genuine.length, liveFrames: live.length, impostor: impostor.length, noFace: scored.noFace },
    genuinePhotoDistance: range(scored.genuine),
    liveFrameDistance: range(scored.live),
    impostorDistance: range(scored.impostor),
    hardestImpostors: scored.hardestImpostors.map((h) => `${h.distance.toFixed(3)} ${h.pair}`),
    zeroFalseMatchThreshold: `distance < ${zeroFm.toFixed(3)}`,
    equalErrorRate: `${(100 * eer.rate).toFixed(1)} % at ${eer.at.toFixed(3)}`,
    chosen: DEFAULT_THRESHOLDS.maxMedianDistance,
    sweep: rows,
  };
  log(`pairs: ${genuine.length} genuine photo pairs, ${live.length} live frames x reference, ${impostor.length} impostor pairs (${scored.noFace} without a face)`);
  log(`genuine photo pairs: ${out.genuinePhotoDistance}`);
  log(`live frames:         ${out.liveFrameDistance}`);
  log(`impostor pairs:      ${out.impostorDistance}`);
  log(`hardest impostors:   ${out.hardestImpostors.join("; ")}`);
  log(`zero false matches needs ${out.zeroFalseMatchThreshold}; equal-error rate ${out.equalErrorRate}; chosen: distance < ${out.chosen}`);
  log("");
  log("| distance < | false matches | false non-matches photo | live frames | all genuine | live attempts 12x200 / 10x200 / 15x100 ms | impostor attempts |");
  log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const a = r.liveAttemptsAccepted;
    log(`| ${r.threshold} | ${r.falseMatches} | ${r.falseNonMatchesPhoto} | ${r.falseNonMatchesLiveFrames} | ${r.falseNonMatchesAll} | ${a["12x200ms"]} · ${a["10x200ms"]} · ${a["15x100ms"]} | ${r.impostorAttemptsAccepted} |`);
  }
  if (json) console.log(JSON.stringify(out));
}
