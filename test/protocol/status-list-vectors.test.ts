// The Token Status List draft's own test vectors (draft-ietf-oauth-status-list-20,
// "Test vectors for Status List encoding", copied into vectors/status-list/): each
// 1-, 2-, 4- and 8-bit list of 2^20 entries decodes with our decoder to exactly the
// listed statuses, and 0 everywhere else.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeStatusList } from "../../protocol/codes/offline-verifier.ts";
import { statusAt } from "../../protocol/codes/token-format.ts";

const dir = join(import.meta.dirname, "vectors", "status-list");
const section = readFileSync(join(dir, "test-vectors-section.md"), "utf8");

/** The listed non-zero statuses of the `bits`-bit example, from the draft's section text. */
function listedStatuses(bits: number): Map<number, number> {
  const start = section.indexOf(`## ${bits}-bit Status List`);
  const end = section.indexOf("JSON encoding:", start);
  expect(start).toBeGreaterThanOrEqual(0);
  const out = new Map<number, number>();
  for (const m of section.slice(start, end).matchAll(/status\[(\d+)\]\s*=\s*0b([01]+)/g)) out.set(Number(m[1]), parseInt(m[2]!, 2));
  return out;
}

/** The matching JSON example; its lst wraps over several lines: join them. */
function example(file: string): { bits: number; lst: string } {
  const text = readFileSync(join(dir, file), "utf8");
  const bits = Number(/"bits":\s*(\d+)/.exec(text)![1]);
  const lst = /"lst":\s*"([^"]+)"/.exec(text)![1]!.replace(/\s+/g, "");
  return { bits, lst };
}

const SIZE = 1 << 20;

describe("Token Status List test vectors (draft -20)", () => {
  it.each([
    [1, "status_list_encoding1_long_json.md"],
    [2, "status_list_encoding2_long_json.md"],
    [4, "status_list_encoding4_json.md"],
    [8, "status_list_encoding8_json.md"],
  ])("the %i-bit list of 2^20 entries decodes to exactly the listed statuses", async (bits, file) => {
    const vector = example(file);
    expect(vector.bits).toBe(bits);
    const listed = listedStatuses(bits);
    expect(listed.size).toBeGreaterThan(5);
    const list = await decodeStatusList(vector.lst);
    expect(list.length).toBe((SIZE * bits) / 8);
    const mismatches: string[] = [];
    const unlisted = new Map<number, number>();
    for (let idx = 0; idx < SIZE; idx++) {
      const status = statusAt(list, idx, bits)!;
      const want = listed.get(idx);
      if (want !== undefined && status !== want) mismatches.push(`status[${idx}] = ${status}, listed ${want}`);
      if (want === undefined && status !== 0) unlisted.set(status, (unlisted.get(status) ?? 0) + 1);
    }
    expect(mismatches).toEqual([]);
    if (bits < 8) {
      expect(unlisted.size, "non-zero statuses that the draft does not list").toBe(0);
    } else {
      // Our copy of the section stops after status value 0b01110010 (114); the draft's
      // 8-bit example puts each value 1-255 at one index, so the rest must be the values
      // 115-255, each exactly once.
      const values = [...listed.values()];
      expect(Math.max(...values)).toBe(114);
      expect([...unlisted.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 255 - 114 }, (_, i) => 115 + i));
      expect([...unlisted.values()].every((n) => n === 1)).toBe(true);
    }
  });

  it("the short 2-bit example decodes to its byte array [0xc9, 0x44, 0xf9]", async () => {
    expect([...(await decodeStatusList(example("status_list_encoding2_json.md").lst))]).toEqual([0xc9, 0x44, 0xf9]);
  });

  it("an index outside the list has no status", async () => {
    const list = await decodeStatusList(example("status_list_encoding2_json.md").lst);
    expect(statusAt(list, 11, 2)).not.toBeNull();
    expect(statusAt(list, 12, 2)).toBeNull();
    expect(statusAt(list, -1, 2)).toBeNull();
  });
});
