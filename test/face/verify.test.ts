// The decision function alone, on synthetic analyses: every refusal reason and their order.
import { describe, expect, it } from "vitest";
import type { Analysis } from "../../api/src/face/engine.ts";
import { decideFaceCheck, DEFAULT_THRESHOLDS, similarity } from "../../api/src/face/verify.ts";

const ref = Array.from({ length: 1024 }, (_, i) => Math.sin(i) * 0.05);
const far = ref.map((x, i) => (i % 2 ? x + 0.4 : x - 0.4));

function frame(over: Partial<Analysis> = {}): Analysis {
  return {
    faces: 1,
    boxes: [{ x: 0, y: 0, width: 200, height: 200, score: 1 }],
    score: 0.99,
    antispoof: 0.8,
    liveness: 0.95,
    descriptor: ref,
    width: 640,
    height: 480,
    ms: 1,
    ...over,
  };
}

describe("decideFaceCheck", () => {
  it("passes three good frames of the reference", () => {
    const d = decideFaceCheck([frame(), frame(), frame()], ref);
    expect(d).toEqual({ verdict: "passed", similarity: 1, antispoof: 0.8, liveness: 0.95, frames: 3 });
  });

  it("similarity matches Human's formula: identical 1, far apart 0", () => {
    expect(similarity(ref, ref)).toBe(1);
    expect(similarity(ref, far)).toBeLessThan(DEFAULT_THRESHOLDS.minSimilarity);
    expect(similarity(ref, ref.slice(1))).toBe(0);
    expect(similarity([], [])).toBe(0);
  });

  it("refuses no frames and frames without a face: no_face", () => {
    expect(decideFaceCheck([], ref).reason).toBe("no_face");
    const none = frame({ faces: 0, boxes: [], antispoof: null, liveness: null, descriptor: null, score: 0 });
    expect(decideFaceCheck([frame(), none, frame()], ref)).toMatchObject({ verdict: "refused", reason: "no_face" });
  });

  it("several faces in any frame wins over every other reason", () => {
    const two = frame({ faces: 2, antispoof: 0.1 });
    const none = frame({ faces: 0, descriptor: null });
    expect(decideFaceCheck([none, two], ref).reason).toBe("several_faces");
  });

  it("spoof_suspected when the median anti-spoof score is low", () => {
    const low = frame({ antispoof: 0.2 });
    expect(decideFaceCheck([low, low, frame()], ref)).toMatchObject({ verdict: "refused", reason: "spoof_suspected", antispoof: 0.2 });
    // one bad frame out of three does not sink a genuine attempt
    expect(decideFaceCheck([low, frame(), frame()], ref).verdict).toBe("passed");
    // a missing score (Human omits a 0) counts as 0
    expect(decideFaceCheck([frame({ antispoof: null })], ref).reason).toBe("spoof_suspected");
  });

  it("not_live when the median liveness is low (checked after anti-spoof)", () => {
    const dead = frame({ liveness: 0.1 });
    expect(decideFaceCheck([dead, dead, frame()], ref)).toMatchObject({ verdict: "refused", reason: "not_live" });
    expect(decideFaceCheck([frame({ liveness: 0.1, antispoof: 0.1 })], ref).reason).toBe("spoof_suspected");
  });

  it("not_same_person when any frame is someone else (minimum over frames)", () => {
    const d = decideFaceCheck([frame(), frame({ descriptor: far }), frame()], ref);
    expect(d).toMatchObject({ verdict: "refused", reason: "not_same_person" });
    expect(d.similarity).toBe(similarity(ref, far));
    expect(decideFaceCheck([frame()], []).reason).toBe("not_same_person");
  });

  it("honours thresholds from config", () => {
    const f = frame({ antispoof: 0.55, liveness: 0.55 });
    expect(decideFaceCheck([f], ref).verdict).toBe("passed");
    expect(decideFaceCheck([f], ref, { ...DEFAULT_THRESHOLDS, minAntispoof: 0.6 }).reason).toBe("spoof_suspected");
    expect(decideFaceCheck([f], ref, { ...DEFAULT_THRESHOLDS, minLiveness: 0.6 }).reason).toBe("not_live");
    expect(decideFaceCheck([frame({ descriptor: far })], ref, { ...DEFAULT_THRESHOLDS, minSimilarity: 0 }).verdict).toBe("passed");
  });
});
