import { describe, expect, it } from "vitest";
import { checkResidentId, checkUscc, residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";
import { maskIdentifier, maskPersonName } from "../../api/src/subjects/masking.ts";
import { subjectCommitment } from "../../api/src/subjects/commitment.ts";

const today = new Date("2026-11-26T02:00:00Z");

describe("USCC (GB 32100-2015)", () => {
  it.each([
    ["91350100M000100Y43", true],
    ["91310110666007217T", true],
    ["91350100M000100Y44", false], // wrong check character
    ["91310110666007217", false], // 17 characters
    ["9131011066600721IT", false], // I is not in the alphabet
    ["91350100M000100Y4O", false], // O is not in the alphabet
  ])("%s valid=%s", (code, valid) => {
    expect(checkUscc(code).ok).toBe(valid);
  });

  it("computes the worked check characters", () => {
    expect(usccCheckChar("91350100M000100Y4")).toBe("3");
    expect(usccCheckChar("91310110666007217")).toBe("T");
  });

  it("maps a check value of 31 to 0", () => {
    // find a 17-char prefix whose weighted sum is divisible by 31 and check it ends in 0
    const base = "9144060400000000";
    const prefix = [..."0123456789ABCDEFGHJKLMNPQRTUWXY"].map((c) => base + c).find((p) => usccCheckChar(p) === "0");
    expect(prefix).toBeDefined();
    expect(checkUscc(`${prefix}0`).ok).toBe(true);
  });

  it("accepts lower case and normalizes it", () => {
    const r = checkUscc("91310110666007217t");
    expect(r).toEqual({ ok: true, value: "91310110666007217T" });
  });
});

describe("resident ID (GB 11643-1999)", () => {
  it.each([
    ["11010519491231002X", true],
    ["11010519491231002x", true],
    ["440524188001010014", true],
    ["440524188001010015", false], // wrong check
    ["440524202302300011", false], // 30 February
    ["440524203001010011", false], // future birth date (check char irrelevant: refused first)
    ["44052418800101001", false],
    ["4405241880010100A4", false],
  ])("%s valid=%s", (id, valid) => {
    expect(checkResidentId(id, today).ok).toBe(valid);
  });

  it("computes the worked check characters", () => {
    expect(residentIdCheckChar("11010519491231002")).toBe("X");
    expect(residentIdCheckChar("44052418800101001")).toBe("4");
  });

  it("refuses a birth date after today and names the reason", () => {
    const first17 = "44060420261127001";
    const id = first17 + residentIdCheckChar(first17);
    const r = checkResidentId(id, today);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/future/);
    const born = "44060420261126001";
    expect(checkResidentId(born + residentIdCheckChar(born), today).ok).toBe(true);
  });
});

describe("masking and commitments", () => {
  it("masks persons' names and identifiers as the design shows (enterprise names are public)", () => {
    expect(maskPersonName("张小三")).toBe("张*三");
    expect(maskPersonName("张三")).toBe("张*");
    expect(maskPersonName("欧阳小明")).toBe("欧**明");
    expect(maskIdentifier("440524188001010014")).toBe("4405**********0014");
  });

  it("commits with a key: same input same commitment, another key or kind another one", () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const a = subjectCommitment(k1, "person", "440524188001010014");
    expect(a).toHaveLength(32);
    expect(subjectCommitment(k1, "person", "440524188001010014")).toEqual(a);
    expect(subjectCommitment(k2, "person", "440524188001010014")).not.toEqual(a);
    expect(subjectCommitment(k1, "enterprise", "440524188001010014")).not.toEqual(a);
  });
});
