// The verifier's pure parts in Node: the one outcome a scan produces (no subject under an
// invalid verdict, whatever the verdict carried), the clock-skew reading from a Date header,
// the maximum-age setting, and the words for every refusal (reason and what to do).
import { describe, expect, it } from "vitest";
import { REASONS } from "../../protocol/codes/token-format.ts";
import { en, zh } from "../../kiosk/i18n/dictionary.ts";
import { outcomeOf, refusal } from "../../kiosk/verifier/outcome.ts";
import { skewBeyondTolerance, skewFromDateHeader, SKEW_TOLERANCE_SECONDS } from "../../kiosk/verifier/clock.ts";
import { DEFAULT_MAX_AGE_SECONDS, saveMaxAge, startMaxAge } from "../../kiosk/verifier/settings.ts";
import { proofOffsetBeyondTolerance, proofOffsetSeconds } from "../../kiosk/verifier/proof-time.ts";
import { boundQrText, signDeviceProof } from "../../protocol/codes/device-proof.ts";
import { qrTextFromToken } from "../../protocol/codes/token-format.ts";

const subject = { codeId: "a".repeat(32), kind: "person", displayName: "王*明", creditStatus: "serious" };
const online = { mode: "online" as const, checkedAt: 1 };
const offline = { mode: "offline" as const, checkedAt: 1, skewSeconds: 90 };

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
    clear: () => items.clear(),
    key: () => null,
    get length() {
      return items.size;
    },
  };
}

describe("a scan's outcome", () => {
  it("is valid only with a subject of a known shape", () => {
    const valid = outcomeOf({ valid: true, subject }, online);
    expect(valid).toMatchObject({ outcome: "valid", reason: null, subject: { kind: "person", displayName: "王*明", creditStatus: "serious" } });
    expect(outcomeOf({ valid: true }, online)).toMatchObject({ outcome: "invalid", reason: "malformed", subject: null });
    for (const bad of [{ ...subject, kind: "constructor" }, { ...subject, creditStatus: "__proto__" }, { ...subject, displayName: "" }, "王*明", null]) {
      expect(outcomeOf({ valid: true, subject: bad }, online).outcome, JSON.stringify(bad)).toBe("invalid");
    }
  });

  it("never carries a subject when invalid, even when the verdict names one", () => {
    for (const reason of REASONS.filter((r) => r !== "stale_data")) {
      const o = outcomeOf({ valid: false, reason, subject }, online);
      expect(o.outcome, reason).toBe("invalid");
      expect(o.subject, reason).toBeNull();
      expect(o.reason).toBe(reason);
    }
    expect(outcomeOf({ valid: false, reason: "toString", subject }, online)).toMatchObject({ outcome: "invalid", reason: "malformed", subject: null });
  });

  it("is 'cannot confirm' on stale data, keeping the genuine subject, and notes the skew only offline", () => {
    expect(outcomeOf({ valid: false, reason: "stale_data", subject }, offline)).toMatchObject({ outcome: "unconfirmed", subject: { displayName: "王*明" }, skewSeconds: 90 });
    expect(refusal("stale_data", "offline", 1)).toMatchObject({ outcome: "unconfirmed", subject: null });
    expect(outcomeOf({ valid: true, subject }, { ...online, skewSeconds: 90 }).skewSeconds).toBeNull();
  });
});

describe("what a verdict says about the holder's phone", () => {
  it("says bound only when the verdict checked a device proof, with the proof's time only then", () => {
    expect(outcomeOf({ valid: true, subject, deviceBound: true }, { ...online, proofOffsetSeconds: 12 })).toMatchObject({ outcome: "valid", deviceBound: true, proofOffsetSeconds: 12 });
    expect(outcomeOf({ valid: true, subject, deviceBound: false }, { ...online, proofOffsetSeconds: 12 })).toMatchObject({ deviceBound: false, proofOffsetSeconds: null });
    expect(outcomeOf({ valid: true, subject }, online)).toMatchObject({ deviceBound: false, proofOffsetSeconds: null });
    expect(outcomeOf({ valid: true, subject, deviceBound: "yes" }, online)).toMatchObject({ deviceBound: false });
    expect(outcomeOf({ valid: false, reason: "stale_data", subject, deviceBound: true }, { ...offline, proofOffsetSeconds: -7 })).toMatchObject({ outcome: "unconfirmed", deviceBound: true, proofOffsetSeconds: -7 });
  });

  it("says nothing about a phone under a red verdict, whatever the verdict and the scan carried", () => {
    for (const reason of REASONS.filter((r) => r !== "stale_data")) {
      const o = outcomeOf({ valid: false, reason, subject, deviceBound: true }, { ...offline, proofOffsetSeconds: 20 });
      expect({ deviceBound: o.deviceBound, proofOffsetSeconds: o.proofOffsetSeconds }, reason).toEqual({ deviceBound: null, proofOffsetSeconds: null });
    }
    expect(refusal("stale_data", "offline", 1)).toMatchObject({ deviceBound: null, proofOffsetSeconds: null });
  });

  it("reads the device proof's time from the scan against this device's clock, and warns beyond 5 s only", async () => {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const token = "eyJhbGciOiJFZERTQSJ9.e30.c2ln"; // the proof's time is read without the token's check
    const at = Date.parse("2026-11-26T02:00:00Z");
    const shown = boundQrText(token, await signDeviceProof(keys.privateKey, "a".repeat(22), at / 1000));
    expect(proofOffsetSeconds(shown, at + 999)).toBe(0);
    expect(proofOffsetSeconds(shown, at + 12_400)).toBe(12);
    expect(proofOffsetSeconds(shown, at - 6_000)).toBe(-6);
    expect(proofOffsetSeconds(qrTextFromToken(token), at)).toBeNull(); // no device proof
    expect(proofOffsetSeconds("OC2:/12", at)).toBeNull(); // not a presentation
    expect(proofOffsetBeyondTolerance(5)).toBeNull();
    expect(proofOffsetBeyondTolerance(-5)).toBeNull();
    expect(proofOffsetBeyondTolerance(6)).toBe(6);
    expect(proofOffsetBeyondTolerance(-6)).toBe(-6);
    expect(proofOffsetBeyondTolerance(null)).toBeNull();
  });
});

describe("the clock-skew check", () => {
  it("reads this device's clock minus the server's from the Date header at the round trip's midpoint", () => {
    const server = Date.parse("2026-11-26T02:00:00Z");
    // The server read 02:00:00.xxx while the device read about 02:02:00.0 (sent 02:01:59.8, answered 02:02:00.2): 119.5 s.
    expect(skewFromDateHeader("Thu, 26 Nov 2026 02:00:00 GMT", server + 119_800, server + 120_200)).toBe(120);
    expect(skewFromDateHeader("Thu, 26 Nov 2026 02:00:00 GMT", server - 100, server + 300)).toBe(0);
    expect(skewFromDateHeader("Thu, 26 Nov 2026 02:00:00 GMT", server - 600_000, server - 600_000 + 200)).toBe(-600);
    expect(skewFromDateHeader(null, 0, 1)).toBeNull();
    expect(skewFromDateHeader("not a date", 0, 1)).toBeNull();
    expect(skewFromDateHeader("Thu, 26 Nov 2026 02:00:00 GMT", server, server + 20_000)).toBeNull();
  });

  it("warns beyond the tolerance only", () => {
    expect(skewBeyondTolerance(SKEW_TOLERANCE_SECONDS)).toBeNull();
    expect(skewBeyondTolerance(-SKEW_TOLERANCE_SECONDS - 1)).toBe(-SKEW_TOLERANCE_SECONDS - 1);
    expect(skewBeyondTolerance(null)).toBeNull();
  });
});

describe("the maximum data age", () => {
  it("defaults to 12 h, takes ?maxAge= in range and remembers it, and refuses values out of range", () => {
    const storage = memoryStorage();
    expect(startMaxAge("", storage)).toBe(DEFAULT_MAX_AGE_SECONDS);
    expect(startMaxAge("?maxAge=600", storage)).toBe(600);
    expect(startMaxAge("", storage)).toBe(600);
    for (const bad of ["?maxAge=60", "?maxAge=90000", "?maxAge=1e4", "?maxAge=-600", "?maxAge="]) expect(startMaxAge(bad, storage), bad).toBe(600);
    expect(saveMaxAge(30, storage)).toBe(false);
    expect(saveMaxAge(3600, storage)).toBe(true);
    expect(startMaxAge("", storage)).toBe(3600);
  });
});

describe("the verifier's words", () => {
  it("give every refusal its reason and what to do, in both languages", () => {
    for (const reason of REASONS) {
      for (const key of [`verifier.reason.${reason}`, `verifier.action.${reason}`]) {
        expect(Object.hasOwn(zh, key), key).toBe(true);
        expect((zh as Record<string, string>)[key]!.length, key).toBeGreaterThan(3);
        expect((en as Record<string, string>)[key]!.length, key).toBeGreaterThan(3);
      }
    }
  });
});
