// The attempt decision alone, on synthetic per-frame measurements: every refusal reason, their
// order, the robust rank of the static check, and the challenge rule's edge cases.
import { describe, expect, it } from "vitest";
import { decideAttempt, DEFAULT_THRESHOLDS, distance, judgeChallenge, refusalBeforeIdentity, type AttemptMeasures, type FrameMeasure } from "../../api/src/face/verify.ts";

/** A genuine-looking attempt: 12 frames turning right from facing the camera. */
const YAWS = [0, 1, -1, 3, 8, 12, 18, 22, 20, 12, 5, 1];

function attempt(over: { yaws?: number[]; frame?: (i: number) => Partial<FrameMeasure>; minPairDifference?: number } = {}): AttemptMeasures {
  const yaws = over.yaws ?? YAWS;
  return {
    minPairDifference: over.minPairDifference ?? 4,
    frames: yaws.map((yaw, i) => ({
      faces: 1,
      yaw,
      meshResidual: i === 0 ? 0 : 0.12,
      pixelResidual: i === 0 ? 0 : 0.6,
      distance: 0.42,
      stepDistance: i === 0 ? null : 0.2,
      antispoof: i < 3 ? 0.7 : null,
      liveness: i < 3 ? 0.98 : null,
      ...over.frame?.(i),
    })),
  };
}

describe("decideAttempt", () => {
  it("passes a turn in the asked direction by the enrolled person", () => {
    const d = decideAttempt(attempt(), "right");
    expect(d).toMatchObject({ verdict: "passed", metrics: { frames: 12, medianDistance: 0.42, maxDistance: 0.42, antispoof: 0.7, liveness: 0.98 } });
    expect(d.metrics.turn).toBe(22);
  });

  it("refuses a frame without a face (no_face) and with two (several_faces, first)", () => {
    expect(decideAttempt(attempt({ frame: (i) => (i === 4 ? { faces: 0, yaw: null } : {}) }), "right").reason).toBe("no_face");
    expect(decideAttempt(attempt({ frame: (i) => (i === 4 ? { faces: 0, yaw: null } : i === 6 ? { faces: 2, yaw: null } : {}) }), "right").reason).toBe("several_faces");
    expect(decideAttempt({ frames: [], minPairDifference: Infinity }, "right").reason).toBe("no_face");
  });

  it("refuses a frame sent twice anywhere, as a still", () => {
    expect(decideAttempt(attempt({ minPairDifference: 0.05 }), "right").reason).toBe("static_capture");
    expect(decideAttempt(attempt({ minPairDifference: 0.1 }), "right").verdict).toBe("passed");
  });

  it("refuses one picture under a global transform: small mesh or pixel residual after alignment", () => {
    expect(decideAttempt(attempt({ frame: (i) => (i ? { meshResidual: 0.03 } : {}) }), "right").reason).toBe("static_capture");
    expect(decideAttempt(attempt({ frame: (i) => (i ? { pixelResidual: 0.1 } : {}) }), "right").reason).toBe("static_capture");
  });

  it("lets two odd frames not decide the static check (3rd largest), but three do", () => {
    const twoOdd = attempt({ frame: (i) => (i === 0 ? {} : i <= 2 ? { pixelResidual: 0.9, meshResidual: 0.3 } : { pixelResidual: 0.05, meshResidual: 0.01 }) });
    expect(refusalBeforeIdentity(twoOdd, "right")?.reason).toBe("static_capture");
    const threeOdd = attempt({ frame: (i) => (i === 0 ? {} : i <= 3 ? { pixelResidual: 0.9, meshResidual: 0.3 } : { pixelResidual: 0.05, meshResidual: 0.01 }) });
    expect(refusalBeforeIdentity(threeOdd, "right")).toBeNull();
  });

  it("a pixel residual not computed (enough frames cleared it) is not read as small", () => {
    const m = attempt({ frame: (i) => (i > 3 ? { pixelResidual: null } : {}) });
    expect(decideAttempt(m, "right").verdict).toBe("passed");
    expect(decideAttempt(m, "right").metrics.pixelResidual).toBe(0.6);
  });

  it("refuses the opposite direction and no turn: challenge_not_performed", () => {
    expect(decideAttempt(attempt(), "left")).toMatchObject({ verdict: "refused", reason: "challenge_not_performed" });
    expect(decideAttempt(attempt({ yaws: YAWS.map((y) => y / 3) }), "right").reason).toBe("challenge_not_performed");
    expect(decideAttempt(attempt({ yaws: YAWS.map((y) => -y) }), "left").verdict).toBe("passed");
  });

  it("runs identity only after the challenge: a still of someone else is a still", () => {
    const m = attempt({ minPairDifference: 0, frame: () => ({ distance: 0.9 }) });
    expect(decideAttempt(m, "right").reason).toBe("static_capture");
  });

  it("refuses another person: median, any one frame, or a step between frames too far", () => {
    expect(decideAttempt(attempt({ frame: () => ({ distance: 0.55 }) }), "right").reason).toBe("not_same_person");
    expect(decideAttempt(attempt({ frame: (i) => (i === 7 ? { distance: 0.65 } : {}) }), "right").reason).toBe("not_same_person");
    expect(decideAttempt(attempt({ frame: (i) => (i === 7 ? { stepDistance: 0.7 } : {}) }), "right").reason).toBe("not_same_person");
    // at the thresholds: refused (strictly below passes)
    expect(decideAttempt(attempt({ frame: () => ({ distance: DEFAULT_THRESHOLDS.maxMedianDistance }) }), "right").reason).toBe("not_same_person");
  });

  it("fails closed when a descriptor is missing", () => {
    expect(decideAttempt(attempt({ frame: (i) => (i === 3 ? { distance: null } : {}) }), "right").reason).toBe("not_same_person");
    expect(decideAttempt(attempt({ frame: (i) => (i === 3 ? { stepDistance: null } : {}) }), "right").reason).toBe("not_same_person");
  });

  it("keeps the passive scores as extra screens, after identity", () => {
    expect(decideAttempt(attempt({ frame: (i) => (i < 3 ? { antispoof: 0.3 } : {}) }), "right").reason).toBe("spoof_suspected");
    expect(decideAttempt(attempt({ frame: (i) => (i < 3 ? { liveness: 0.2 } : {}) }), "right").reason).toBe("not_live");
    expect(decideAttempt(attempt({ frame: () => ({ antispoof: null, liveness: null }) }), "right").reason).toBe("spoof_suspected");
    const lenient = { ...DEFAULT_THRESHOLDS, minAntispoof: 0.2 };
    expect(decideAttempt(attempt({ frame: (i) => (i < 3 ? { antispoof: 0.3 } : {}) }), "right", lenient).verdict).toBe("passed");
  });
});

describe("judgeChallenge", () => {
  it("needs a start facing the camera", () => {
    expect(judgeChallenge([20, 21, 19, 30, 40, 45, 40, 30], "right").performed).toBe(false);
    expect(judgeChallenge([2, 3, 1, 10, 18, 24, 20, 10], "right")).toEqual({ performed: true, turn: 22 });
  });

  it("needs at least two frames past two thirds of the turn (one glitch is not a turn)", () => {
    expect(judgeChallenge([0, 0, 0, 1, 25, 2, 1, 0], "right").performed).toBe(false);
    expect(judgeChallenge([0, 0, 0, 1, 25, 11, 1, 0], "right").performed).toBe(true);
  });

  it("refuses a sweep: a turn the other way of more than 10 degrees before the peak", () => {
    expect(judgeChallenge([0, 0, 0, -12, -5, 10, 20, 18], "right").performed).toBe(false);
    expect(judgeChallenge([0, 0, 0, -8, -5, 10, 20, 18], "right").performed).toBe(true);
  });

  it("reads the direction from the yaw sign: right grows the yaw, left shrinks it", () => {
    const right = [0, 0, 0, 10, 20, 20];
    expect(judgeChallenge(right, "right").performed).toBe(true);
    expect(judgeChallenge(right, "left").performed).toBe(false);
    expect(judgeChallenge(right.map((y) => -y), "left").performed).toBe(true);
  });
});

describe("distance", () => {
  it("is euclidean, and Infinity for descriptors that cannot be compared", () => {
    expect(distance([0, 3], [4, 0])).toBe(5);
    expect(distance([1, 2], [1, 2])).toBe(0);
    expect(distance([1], [1, 2])).toBe(Infinity);
    expect(distance([], [])).toBe(Infinity);
  });
});
