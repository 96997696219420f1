// Bulk import: good lines enrolled, bad lines rejected with reasons, resumable.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { importFile } from "../../scripts/import.ts";
import { verifyChain } from "../helpers/ledger.ts";
import { personId, uscc } from "../helpers/identifiers.ts";

describe("bulk import (PostgreSQL server)", () => {
  let db: TestDatabase;
  const key = randomBytes(32);
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("imports CSV in batches, rejects bad lines with reasons, and resumes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onecode-import-"));
    const lines = ["kind,identifier,name,legal_representative"];
    for (let i = 0; i < 40; i++) lines.push(`person,${personId(9000 + i)},"测试,人${i}",`);
    lines.push("person,440524188001010015,坏校验,"); // bad check character
    lines.push(`person,${personId(9000)},重复,`); // duplicate
    lines.push(`enterprise,${uscc(9000)},佛山市某某有限公司,${personId(9001)}`);
    lines.push(`enterprise,${uscc(9001)},佛山市无代表有限公司,${personId(1)}`); // representative not enrolled
    lines.push("company,x,y,");
    const file = join(dir, "subjects.csv");
    writeFileSync(file, lines.join("\n") + "\n");

    const seen: number[] = [];
    const r = await importFile(db.pool, file, { subjectKey: key, batch: 10, progress: (done) => seen.push(done) });
    expect(r).toMatchObject({ accepted: 41, rejected: 4, resumedFrom: 0 });
    expect(seen.length).toBe(5);
    const rejects = readFileSync(r.rejectsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.line, x.code])).toEqual([
      [42, "invalid_id_number"],
      [43, "subject_already_enrolled"],
      [45, "legal_representative_not_found"],
      [46, "unparseable"],
    ]);
    const n = (await db.pool.query("SELECT count(*)::int AS n FROM subjects")).rows[0].n;
    expect(n).toBe(41);
    expect(await verifyChain(db.pool)).toBe(82);

    // Same file again: nothing redone.
    const again = await importFile(db.pool, file, { subjectKey: key, batch: 10 });
    expect(again.resumedFrom).toBe(46);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM subjects")).rows[0].n).toBe(41);
  });

  it("resumes after the last committed batch when a run stops part-way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onecode-import-"));
    const file = join(dir, "people.ndjson");
    const rows = Array.from({ length: 25 }, (_, i) => JSON.stringify({ kind: "person", idNumber: personId(12_000 + i), name: "林某" }));
    writeFileSync(file, rows.join("\n") + "\n");
    // "crash" after the first two batches: the progress callback throws
    await expect(
      importFile(db.pool, file, {
        subjectKey: key,
        batch: 10,
        progress: (done) => {
          if (done >= 20) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const r = await importFile(db.pool, file, { subjectKey: key, batch: 10 });
    expect(r.resumedFrom).toBe(20);
    expect(r.accepted).toBe(25);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM subjects WHERE name = '林某'")).rows[0].n).toBe(25);
  });

  it("writes what single enrolment writes, with representatives and duplicates inside one batch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onecode-import-"));
    const file = join(dir, "same-batch.ndjson");
    const rows = [
      { kind: "person", idNumber: personId(15_000), name: "陈大文" },
      { kind: "enterprise", uscc: uscc(15_000), name: "佛山市同批有限公司", legalRepresentativeIdNumber: personId(15_000) },
      { kind: "person", idNumber: personId(15_000), name: "重复" },
      { kind: "enterprise", uscc: uscc(15_001), name: "佛山市企业代表有限公司", legalRepresentativeIdNumber: uscc(15_000) },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const before = (await db.pool.query("SELECT seq FROM ledger_head")).rows[0].seq as number;
    const r = await importFile(db.pool, file, { subjectKey: key, batch: 100 });
    expect(r).toMatchObject({ accepted: 2, rejected: 2 });
    const rejects = readFileSync(r.rejectsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.line, x.code])).toEqual([
      [3, "subject_already_enrolled"],
      [4, "legal_representative_not_found"], // a USCC is not a person's ID number
    ]);
    const entries = (await db.pool.query("SELECT type, payload, subject_ref FROM ledger WHERE seq > $1 ORDER BY seq", [before])).rows;
    expect(entries.map((e) => e.type)).toEqual(["subject.enrolled", "code.issued", "subject.enrolled", "code.issued"]);
    const person = (await db.pool.query("SELECT id FROM subjects WHERE identifier = $1", [personId(15_000)])).rows[0];
    const enterprise = (await db.pool.query("SELECT id, legal_rep_id FROM subjects WHERE identifier = $1", [uscc(15_000)])).rows[0];
    expect(enterprise.legal_rep_id).toBe(person.id);
    expect(Object.keys(JSON.parse(entries[2].payload)).sort()).toEqual(["commitment", "kind", "legalRepresentativeId", "subjectId"]);
    expect(Object.keys(JSON.parse(entries[3].payload)).sort()).toEqual(["attestation", "codeId", "kind", "replaces", "statusIndex", "subject"]);
    const writes = (await db.pool.query("SELECT kind, payload FROM chain_outbox ORDER BY id DESC LIMIT 2")).rows.reverse();
    expect(writes.map((w) => [w.kind, w.payload.codeKind])).toEqual([
      ["code.issue", 1],
      ["code.issue", 2],
    ]);
    expect(writes[1].payload.codeId).toBe(`0x${JSON.parse(entries[3].payload).codeId}`);
    expect(await verifyChain(db.pool)).toBeGreaterThan(82);
  });
});
