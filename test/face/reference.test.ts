// The encrypted reference (compact JWE, dir + A256GCM), without models.
import { describe, expect, it } from "vitest";
import { decryptReference, encryptReference, FaceReferenceError, parseReferenceKey } from "../../api/src/face/reference.ts";

const key = new Uint8Array(32).map((_, i) => i + 1);
const otherKey = new Uint8Array(32).fill(9);
// float32-representable values, so the round trip is exact
const descriptor = Array.from({ length: 1024 }, (_, i) => Math.fround(Math.cos(i) * 0.07));

describe("face reference at rest", () => {
  it("round-trips through a compact JWE with dir + A256GCM", async () => {
    const jwe = await encryptReference(descriptor, key, { kid: "face-2025-01", subject: "subj-1" });
    expect(jwe.split(".")).toHaveLength(5);
    expect(jwe.split(".")[1]).toBe(""); // dir: no encrypted key
    const header = JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "dir", enc: "A256GCM", kid: "face-2025-01", sub: "subj-1" });
    expect(jwe).not.toContain(String(descriptor[1]));
    expect(await decryptReference(jwe, key, { subject: "subj-1" })).toEqual(descriptor);
  });

  it("accepts the key as hex or base64url", async () => {
    const jwe = await encryptReference(descriptor, Buffer.from(key).toString("hex"));
    expect(await decryptReference(jwe, Buffer.from(key).toString("base64url"))).toEqual(descriptor);
    expect(() => parseReferenceKey(new Uint8Array(16))).toThrow(/32 bytes/);
  });

  it("refuses a tampered JWE", async () => {
    const jwe = await encryptReference(descriptor, key);
    const parts = jwe.split(".");
    for (const i of [0, 2, 3, 4]) {
      const p = [...parts];
      const s = p[i]!;
      const c = s[10] === "A" ? "B" : "A";
      p[i] = s.slice(0, 10) + c + s.slice(11);
      await expect(decryptReference(p.join("."), key)).rejects.toBeInstanceOf(FaceReferenceError);
    }
    await expect(decryptReference(jwe.slice(0, -2), key)).rejects.toBeInstanceOf(FaceReferenceError);
  });

  it("refuses the wrong key, and a reference moved to another subject", async () => {
    const jwe = await encryptReference(descriptor, key, { subject: "subj-1" });
    await expect(decryptReference(jwe, otherKey, { subject: "subj-1" })).rejects.toThrow(/cannot decrypt/);
    await expect(decryptReference(jwe, key, { subject: "subj-2" })).rejects.toThrow(/subject mismatch/);
    await expect(decryptReference(jwe, key)).rejects.toThrow(/subject mismatch/);
  });

  it("error messages never carry the descriptor", async () => {
    const jwe = await encryptReference(descriptor, key, { subject: "s" });
    const err = (await decryptReference(jwe, key, { subject: "x" }).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toMatch(/\d\.\d{3}/);
  });
});
