// One spelling of subject_ref for new entries (lower-case hex of the commitment, no 0x), and
// a subject search that still finds the entries written before in the 0x spelling, which
// stay as they were: entries are immutable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../protocol/bytes.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntry } from "../../api/src/ledger/append.ts";
import { subjectRef, subjectRefForms } from "../../api/src/ledger/subject-ref.ts";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { generalPenalty } from "../credit/fixtures.ts";
import { personId, uscc } from "../helpers/identifiers.ts";

describe("subject_ref", () => {
  it("names a commitment in bare lower-case hex; a search looks for the 0x form too", () => {
    const commitment = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const bare = toHex(commitment);
    expect(subjectRef(commitment)).toBe(bare);
    expect(subjectRefForms(bare)).toEqual([bare, `0x${bare}`]);
    expect(subjectRefForms(`0x${bare.toUpperCase()}`)).toEqual([`0x${bare.toUpperCase()}`, bare, `0x${bare}`]);
    // Not hex (test fixtures, bench refs): searched as given, nothing else.
    expect(subjectRefForms("subject-0")).toEqual(["subject-0"]);
  });
});

describe("subject search over old and new entries", () => {
  let t: TestApp;
  let auditor: { authorization: string };
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-06-01T02:00:00.000Z") });
    auditor = await t.auth("auditor");
  });
  afterAll(async () => t?.close());

  const search = async (ref: string) => {
    const res = await t.app.inject({ method: "GET", url: `/v1/audit/entries?subjectRef=${encodeURIComponent(ref)}&limit=500`, headers: auditor });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().entries as { seq: number; type: string; subjectRef: string }[]).map((e) => [e.type, e.subjectRef]);
  };

  it("writes every new entry about an enterprise in the bare form, and finds the 0x entries written before", async () => {
    const registrar = await t.auth("registrar");
    const agency = await t.auth("credit_agency");
    const kiosk = await t.auth("kiosk", "kiosk-01");
    const rep = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(61), name: "林晓东" } });
    expect(rep.statusCode, rep.body).toBe(201);
    const ent = await t.app.inject({
      method: "POST",
      url: "/v1/enterprises",
      headers: registrar,
      payload: { uscc: uscc(61), name: "佛山市禅城区晓东贸易有限公司", legalRepresentativeId: rep.json().id },
    });
    expect(ent.statusCode, ent.body).toBe(201);
    const enterpriseId = ent.json().id as string;
    const commitment = (await t.db.pool.query("SELECT encode(commitment, 'hex') AS c FROM subjects WHERE id = $1", [enterpriseId])).rows[0].c as string;

    // Entries of the credit and repair features as they were written before the rule: 0x.
    const old = await withTransaction(t.db.pool, async (c) => [
      await appendEntry(c, { type: "record.published", payload: { note: "before the rule" }, actor: "credit_agency:old", subjectRef: `0x${commitment}`, at: t.clock.now() }),
      await appendEntry(c, { type: "repair.decided", payload: { note: "before the rule" }, actor: "system:policy", subjectRef: `0x${commitment}`, at: t.clock.now() }),
    ]);

    // New entries of the same features: a record, its fact, a kiosk application decided at once.
    const rec = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: generalPenalty(enterpriseId, { decisionDate: "2026-02-02" }) });
    expect(rec.statusCode, rec.body).toBe(201);
    const fact = await t.app.inject({ method: "POST", url: `/v1/records/${rec.json().id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-03-01" } });
    expect(fact.statusCode, fact.body).toBe(201);
    const face = await passedFaceCheck(t.db.pool, { device: "kiosk-01", enterpriseId, personId: rep.json().id, now: t.clock.now() });
    const applied = await t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers: kiosk,
      payload: {
        enterpriseId,
        recordIds: [rec.json().id],
        applicant: { personId: rep.json().id, capacity: "legal_representative" },
        commitment: { version: "cc-2026-04", accepted: true },
        faceAssertion: face.assertion,
      },
    });
    expect(applied.json()).toMatchObject({ status: "approved" });

    const stored = (await t.db.pool.query<{ seq: number; type: string; subject_ref: string }>("SELECT seq, type, subject_ref FROM ledger WHERE subject_ref IN ($1, $2) ORDER BY seq", [commitment, `0x${commitment}`])).rows;
    const oldSeqs = new Set(old.map((e) => e.seq));
    // Every entry written through the features uses the bare form; only the two old ones carry 0x.
    expect(stored.filter((r) => r.subject_ref.startsWith("0x")).map((r) => r.seq)).toEqual([...oldSeqs]);
    expect(stored.filter((r) => !oldSeqs.has(r.seq)).map((r) => r.type)).toEqual([
      "subject.enrolled",
      "record.published",
      "record.fact_added",
      "record.repairable",
      "repair.applied",
      "repair.decided",
    ]);

    // The search finds all of them whichever spelling the auditor types, newest first.
    const expected = [...stored].reverse().map((r) => [r.type, r.subject_ref]);
    expect(await search(commitment)).toEqual(expected);
    expect(await search(`0x${commitment}`)).toEqual(expected);
    expect(await search(`0x${commitment.toUpperCase()}`)).toEqual(expected);

    // The old entries are untouched and still chain: each hash covers the subject_ref it was written with.
    const rows = (await t.db.pool.query("SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash, hash FROM ledger WHERE seq = ANY($1::bigint[]) ORDER BY seq", [[...oldSeqs]])).rows;
    for (const r of rows) {
      const again = entryHash(r.prev_hash, { seq: Number(r.seq), type: r.type, payload: r.payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() });
      expect(toHex(again)).toBe(toHex(r.hash));
    }
  });
});
