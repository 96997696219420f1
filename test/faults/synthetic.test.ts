// The synthetic subjects of the benchmarks and fault tests: valid checksums exactly as
// the API checks them, deterministic per seed, 30 % enterprises whose legal representative
// is an adult person generated before them, no duplicate identifier, and the import format.
import { describe, expect, it } from "vitest";
import { checkResidentId, checkUscc } from "../../protocol/identifiers.ts";
import { parseLine } from "../../scripts/import.ts";
import { CSV_HEADER, formatLine, generateSubjects, orgCodeCheckChar } from "../../scripts/lib/synthetic.ts";

describe("synthetic subjects", () => {
  const subjects = generateSubjects(20_000, { seed: 3 });

  it("carry identifiers the API accepts, each once", () => {
    const seen = new Set<string>();
    const persons = new Map<string, number>();
    subjects.forEach((s, i) => {
      if (s.kind === "person") {
        expect(checkResidentId(s.idNumber, new Date("2026-01-01T00:00:00Z"))).toEqual({ ok: true, value: s.idNumber });
        // A Guangdong area code (GB/T 2260), most of them Foshan districts.
        expect(s.idNumber.slice(0, 2)).toBe("44");
        expect(seen.has(s.idNumber)).toBe(false);
        seen.add(s.idNumber);
        persons.set(s.idNumber, i);
      } else {
        expect(checkUscc(s.uscc)).toEqual({ ok: true, value: s.uscc });
        expect(orgCodeCheckChar(s.uscc.slice(8, 16))).toBe(s.uscc[16]);
        expect(seen.has(s.uscc)).toBe(false);
        seen.add(s.uscc);
        // The legal representative came earlier in the stream and is an adult.
        const at = persons.get(s.legalRepresentativeIdNumber);
        expect(at).toBeDefined();
        expect(at!).toBeLessThan(i);
        expect(Number(s.legalRepresentativeIdNumber.slice(6, 10))).toBeLessThanOrEqual(2008);
      }
      expect(s.name.length).toBeGreaterThan(0);
    });
    const enterprises = subjects.filter((s) => s.kind === "enterprise").length;
    expect(enterprises / subjects.length).toBeCloseTo(0.3, 2);
  });

  it("are the same for the same seed and differ for another", () => {
    expect(generateSubjects(500, { seed: 3 })).toEqual(subjects.slice(0, 500));
    expect(generateSubjects(500, { seed: 4 })).not.toEqual(subjects.slice(0, 500));
  });

  it("write lines the bulk import reads back", () => {
    const header = CSV_HEADER.split(",").map((h) => h.toLowerCase());
    for (const s of subjects.slice(0, 200)) {
      const fromJson = parseLine(formatLine(s, "ndjson"), "ndjson", null);
      expect(fromJson).toMatchObject(s.kind === "person" ? { kind: "person", idNumber: s.idNumber, name: s.name } : { kind: "enterprise", uscc: s.uscc, legalRepresentativeIdNumber: s.legalRepresentativeIdNumber });
      const fromCsv = parseLine(formatLine(s, "csv"), "csv", header);
      expect(fromCsv).toMatchObject(s.kind === "person" ? { kind: "person", idNumber: s.idNumber } : { kind: "enterprise", uscc: s.uscc, legalRepresentativeIdNumber: s.legalRepresentativeIdNumber });
    }
  });
});
