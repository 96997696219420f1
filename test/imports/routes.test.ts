// The import routes (issue 15): a job per file, chunks committed exactly once, every line
// enrolled or refused with a reason, an enterprise's line answered with the enterprise's id,
// problem+json for every refusal (never a 500).
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { verifyChain } from "../helpers/ledger.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("bulk import through the API", () => {
  let t: TestApp;
  let registrar: { authorization: string };
  beforeAll(async () => {
    t = await buildTestApp();
    registrar = await t.auth("registrar", "clerk-7");
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, payload?: unknown, headers = registrar) => t.app.inject({ method: "POST", url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  const lines = [
    JSON.stringify({ kind: "person", idNumber: personId(31_000), name: "陈一" }),
    JSON.stringify({ kind: "enterprise", uscc: uscc(31_000), name: "佛山市导入有限公司", legalRepresentativeIdNumber: personId(31_000) }),
    "",
    "{not json",
    JSON.stringify({ kind: "person", idNumber: personId(31_000), name: "重复" }),
    JSON.stringify({ kind: "enterprise", uscc: uscc(31_001), name: "佛山市第二有限公司", legalRepresentativeIdNumber: personId(31_001) }),
    JSON.stringify({ kind: "person", idNumber: personId(31_001), name: "陈二" }),
  ];
  const file = lines.join("\n") + "\n";
  const id = sha(file);

  it("creates a job once per file, commits chunks once, and reports every line", async () => {
    const created = await post("/v1/imports", { fileHash: id, fileName: "people.ndjson", format: "ndjson", totalLines: lines.length });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id, lastLine: 0, nextLine: 1, accepted: 0, rejected: 0, status: "open", createdBy: "registrar:clerk-7" });
    const again = await post("/v1/imports", { fileHash: id, fileName: "people.ndjson", format: "ndjson", totalLines: lines.length });
    expect(again.statusCode).toBe(200);

    const before = Number((await t.db.pool.query("SELECT count(*) AS n FROM subjects")).rows[0].n);
    const first = await post(`/v1/imports/${id}/lines`, { from: 1, lines: lines.slice(0, 4) });
    expect(first.statusCode).toBe(200);
    const r1 = first.json();
    expect(r1.committed).toBe(4);
    expect(r1.results.map((r: { status: string }) => r.status)).toEqual(["enrolled", "enrolled", "blank", "refused"]);
    expect(r1.results[3]).toMatchObject({ line: 4, code: "unparseable" });

    // Each line's id is the subject that line enrolled, of the line's kind.
    const kinds = async (ids: string[]) =>
      Object.fromEntries((await t.db.pool.query<{ id: string; kind: string; identifier: string }>("SELECT id, kind, identifier FROM subjects WHERE id = ANY($1::uuid[])", [ids])).rows.map((r) => [r.id, r]));
    const rows = await kinds([r1.results[0].subjectId, r1.results[1].subjectId]);
    expect(rows[r1.results[0].subjectId]).toMatchObject({ kind: "person", identifier: personId(31_000) });
    expect(rows[r1.results[1].subjectId]).toMatchObject({ kind: "enterprise", identifier: uscc(31_000) });
    expect(r1.results[1].kind).toBe("enterprise");

    // The same chunk again (a lost answer): the same results, nothing enrolled twice.
    const replay = await post(`/v1/imports/${id}/lines`, { from: 1, lines: lines.slice(0, 4) });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().committed).toBe(0);
    expect(replay.json().results).toEqual(r1.results);
    expect(Number((await t.db.pool.query("SELECT count(*) AS n FROM subjects")).rows[0].n)).toBe(before + 2);

    // A different line under a committed number is refused, not ignored.
    const changed = await post(`/v1/imports/${id}/lines`, { from: 1, lines: [lines[1]] });
    expect(changed.statusCode).toBe(409);
    expect(changed.headers["content-type"]).toContain("application/problem+json");
    expect(changed.json()).toMatchObject({ code: "import_line_mismatch" });

    // A hole is refused with the line to send next.
    const gap = await post(`/v1/imports/${id}/lines`, { from: 6, lines: [lines[5]] });
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ code: "import_out_of_order", expectedLine: 5 });

    // Not finished yet: lines 5–7 are missing.
    expect((await post(`/v1/imports/${id}/finish`)).json()).toMatchObject({ code: "import_incomplete" });

    // Overlapping chunk: lines 3–4 answered from the report, 5–7 committed now. The enterprise
    // on line 6 names a representative enrolled on line 7, after it, in the same chunk.
    const rest = await post(`/v1/imports/${id}/lines`, { from: 3, lines: lines.slice(2) });
    expect(rest.statusCode).toBe(200);
    const r2 = rest.json();
    expect(r2.committed).toBe(3);
    expect(r2.results.map((r: { line: number; status: string; code?: string }) => [r.line, r.status, r.code ?? null])).toEqual([
      [3, "blank", null],
      [4, "refused", "unparseable"],
      [5, "refused", "subject_already_enrolled"],
      [6, "enrolled", null],
      [7, "enrolled", null],
    ]);
    // Persons go first within a chunk, so line 6's representative (line 7) is found.
    const later = await kinds([r2.results[3].subjectId, r2.results[4].subjectId]);
    expect(later[r2.results[3].subjectId]).toMatchObject({ kind: "enterprise", identifier: uscc(31_001) });
    expect(later[r2.results[4].subjectId]).toMatchObject({ kind: "person", identifier: personId(31_001) });

    const job = (await t.app.inject({ method: "GET", url: `/v1/imports/${id}`, headers: registrar })).json();
    expect(job).toMatchObject({ lastLine: 7, nextLine: 8, accepted: 4, rejected: 2, status: "open" });
    const report = (await t.app.inject({ method: "GET", url: `/v1/imports/${id}/lines?from=2&limit=3`, headers: registrar })).json();
    expect(report.results.map((r: { line: number }) => r.line)).toEqual([2, 3, 4]);
    expect(report.next).toBe(5);
    expect((await post(`/v1/imports/${id}/finish`)).json()).toMatchObject({ status: "finished" });
    expect((await post(`/v1/imports/${id}/finish`)).statusCode).toBe(200);
    expect(await verifyChain(t.db.pool)).toBeGreaterThan(0);
  });

  it("refuses other roles, unknown jobs, bad bodies and a CSV without its header, all as problem+json", async () => {
    const auditor = await t.auth("auditor");
    const other = sha("other file");
    const cases = [
      [await post("/v1/imports", { fileHash: other, fileName: "x.ndjson", format: "ndjson" }, auditor), 403],
      [await t.app.inject({ method: "POST", url: "/v1/imports", payload: { fileHash: other, fileName: "x.ndjson", format: "ndjson" } }), 401],
      [await post(`/v1/imports/${other}/lines`, { from: 1, lines: ["{}"] }), 404],
      [await t.app.inject({ method: "GET", url: `/v1/imports/${other}`, headers: registrar }), 404],
      [await post("/v1/imports", { fileHash: "XYZ", fileName: "x.ndjson", format: "ndjson" }), 400],
      [await post(`/v1/imports/${id}/lines`, { from: 1, lines: [] }), 400],
      [await post(`/v1/imports/${id}/lines`, { from: 0, lines: ["a"] }), 400],
      [await post("/v1/imports", { fileHash: other, fileName: "x.csv", format: "csv" }), 422],
      [await post("/v1/imports", { fileHash: id, fileName: "people.csv", format: "csv", header: "kind,identifier,name" }), 409],
    ] as const;
    for (const [response, status] of cases) {
      expect(response.statusCode).toBe(status);
      expect(response.headers["content-type"]).toContain("application/problem+json");
    }
  });

  it("numbers a CSV file's lines from 2 (line 1 is its header)", async () => {
    const csv = ["kind,identifier,name,legal_representative", `person,${personId(31_100)},林一,`, `enterprise,${uscc(31_100)},佛山市表格有限公司,${personId(31_100)}`];
    const hash = sha(csv.join("\n"));
    const job = await post("/v1/imports", { fileHash: hash, fileName: "s.csv", format: "csv", header: csv[0], totalLines: 3 });
    expect(job.json()).toMatchObject({ lastLine: 1, nextLine: 2 });
    expect((await post(`/v1/imports/${hash}/lines`, { from: 1, lines: [csv[0]] })).json()).toMatchObject({ code: "import_line_out_of_range" });
    const r = (await post(`/v1/imports/${hash}/lines`, { from: 2, lines: csv.slice(1) })).json();
    expect(r.results.map((x: { status: string; kind: string }) => [x.status, x.kind])).toEqual([
      ["enrolled", "person"],
      ["enrolled", "enterprise"],
    ]);
    expect((await post(`/v1/imports/${hash}/lines`, { from: 4, lines: ["x"] })).json()).toMatchObject({ code: "import_line_out_of_range" });
  });
});
