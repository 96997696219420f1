// The bulk feed in chunks (api/src/credit/batch.ts) through HTTP against the real PostgreSQL
// server: one result per line, exact, in line order; one ledger append (one signature) per
// chunk; a re-upload publishes nothing twice and reports the same records; a chunk whose
// transaction fails keeps nothing (database triggers make the failures, as a broken disk or a
// constraint would), and its lines are then published one by one so a single poisoned line
// costs the others nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { BATCH_CHUNK } from "../../api/src/credit/batch.ts";
import { generalPenalty, insertEnterprise } from "./fixtures.ts";

type Result = { line: number; status: number; code?: string; id?: string; chainId?: string };

describe("bulk feed in chunks", () => {
  let t: TestApp;
  let agency: { authorization: string };
  let enterprises: string[];
  let n = 0;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-06-01T02:00:00.000Z") });
    agency = await t.auth("credit_agency", "agency-feed");
    enterprises = [];
    for (let i = 0; i < 7; i++) enterprises.push(await insertEnterprise(t.db.pool));
  });
  afterAll(async () => t?.close());

  const count = async (sql: string) => Number((await t.db.pool.query<{ n: string }>(sql)).rows[0]!.n);
  const counts = async () => ({
    records: await count("SELECT count(*) AS n FROM credit_records"),
    ledger: await count("SELECT count(*) AS n FROM ledger"),
    outbox: await count("SELECT count(*) AS n FROM chain_outbox WHERE kind = 'record.publish'"),
  });
  const post = (lines: string[]) => t.app.inject({ method: "POST", url: "/v1/records:batch", headers: { ...agency, "content-type": "application/x-ndjson" }, payload: lines.join("\n") });
  const good = () => JSON.stringify(generalPenalty(enterprises[n++ % enterprises.length]!, { decisionNo: `禅市监罚〔2026〕B${n}号` }));

  /** 600 lines over three chunks, every tenth one bad in one of five ways; what each line must answer. */
  function feed() {
    const lines: string[] = [];
    const expected: Array<[number, string | undefined]> = [];
    for (let i = 1; i <= 600; i++) {
      const kind = i % 10 === 0 ? (i / 10) % 5 : -1;
      const [line, result]: [string, [number, string | undefined]] =
        kind === 0
          ? ["{not json", [400, "malformed_json"]]
          : kind === 1
            ? [JSON.stringify({ ...generalPenalty(enterprises[0]!), severity: "huge" }), [400, "invalid_request"]]
            : kind === 2
              ? [JSON.stringify(generalPenalty("00000000-0000-4000-8000-000000000000")), [404, "subject_not_found"]]
              : kind === 3
                ? [JSON.stringify(generalPenalty(enterprises[1]!, { decisionDate: "2030-01-01" })), [422, "decision_date_in_future"]]
                : kind === 4
                  ? [JSON.stringify(generalPenalty(enterprises[2]!, { sector: "fire" })), [422, "unknown_sector"]]
                  : [good(), [201, undefined]];
      lines.push(line);
      expected.push(result);
    }
    return { lines, expected };
  }

  it("answers every line exactly, in order, with one ledger append per chunk, and a re-upload adds nothing", async () => {
    expect(BATCH_CHUNK).toBeLessThan(600 / 2); // the feed spans several chunks
    const before = await counts();
    const headBefore = await count("SELECT seq AS n FROM ledger_head");
    const { lines, expected } = feed();
    const res = await post(lines);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { total: number; published: number; failed: number; results: Result[] };
    const published = expected.filter(([s]) => s === 201).length;
    expect(body).toMatchObject({ total: 600, published, failed: 600 - published });
    expect(body.results.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
    expect(body.results.map((r) => [r.status, r.code])).toEqual(expected);
    const after = await counts();
    expect(after).toEqual({ records: before.records + published, ledger: before.ledger + published, outbox: before.outbox + published });

    // The entries follow the lines' order, and only the last entry of each chunk's append is signed.
    const entries = (await t.db.pool.query<{ payload: string; signature: string | null }>("SELECT payload, signature FROM ledger WHERE seq > $1 ORDER BY seq", [headBefore])).rows;
    expect(entries.map((e) => JSON.parse(e.payload).recordId)).toEqual(body.results.filter((r) => r.status === 201).map((r) => r.chainId));
    const chunks = Math.ceil(lines.filter((_, i) => ![400].includes(expected[i]![0])).length / BATCH_CHUNK);
    expect(entries.filter((e) => e.signature !== null)).toHaveLength(chunks);
    expect(entries.at(-1)!.signature).not.toBeNull();

    // The same file again: nothing new; every published line names its record.
    const again = (await post(lines)).json() as { published: number; alreadyPublished: number; results: Result[] };
    expect(again).toMatchObject({ published: 0, alreadyPublished: published });
    expect(await counts()).toEqual(after);
    again.results.forEach((r, i) => {
      const first = body.results[i]!;
      if (first.status === 201) expect([r.status, r.code, r.id, r.chainId]).toEqual([200, "already_published", first.id, first.chainId]);
      else expect([r.status, r.code]).toEqual([first.status, first.code]);
    });
    // The same decision number with other content is a conflict, not a re-upload.
    const changed = JSON.parse(lines[0]!);
    const conflict = (await post([JSON.stringify({ ...changed, legalBasis: "《另一部法律》" })])).json() as { results: Result[] };
    expect(conflict.results[0]).toMatchObject({ status: 409, code: "record_exists", recordId: body.results[0]!.id });
  });

  it("keeps nothing of a chunk whose transaction fails, and publishes a poisoned chunk's other lines one by one", async () => {
    // Every chain write refused by the database: each chunk (and then each line) rolls back whole.
    await t.db.pool.query(`CREATE OR REPLACE FUNCTION test_refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox refused (test)'; END $$`);
    await t.db.pool.query("CREATE TRIGGER test_refuse_outbox BEFORE INSERT ON chain_outbox FOR EACH ROW EXECUTE FUNCTION test_refuse_outbox()");
    const before = await counts();
    const lines = Array.from({ length: 300 }, good);
    try {
      const res = await post(lines);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { published: number; results: Result[] };
      expect(body.published).toBe(0);
      expect(body.results.every((r) => r.status === 500 && r.code === "internal_error")).toBe(true);
      expect(res.body).not.toContain("outbox refused"); // the cause goes to the log, not to the caller
      expect(await counts()).toEqual(before);
    } finally {
      await t.db.pool.query("DROP TRIGGER test_refuse_outbox ON chain_outbox");
    }
    // The same lines once the database takes them: all published.
    const retried = (await post(lines)).json() as { published: number };
    expect(retried.published).toBe(300);

    // One line the database refuses: its chunk rolls back, then every other line is published alone.
    await t.db.pool.query(`CREATE OR REPLACE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.decision_no = 'POISON' THEN RAISE EXCEPTION 'poison (test)'; END IF; RETURN NEW; END $$`);
    await t.db.pool.query("CREATE TRIGGER test_poison BEFORE INSERT ON credit_records FOR EACH ROW EXECUTE FUNCTION test_poison()");
    try {
      const mixed = Array.from({ length: 40 }, good);
      mixed[17] = JSON.stringify(generalPenalty(enterprises[3]!, { decisionNo: "POISON" }));
      const body = (await post(mixed)).json() as { published: number; results: Result[] };
      expect(body.published).toBe(39);
      expect(body.results.map((r) => r.status)).toEqual(mixed.map((_, i) => (i === 17 ? 500 : 201)));
    } finally {
      await t.db.pool.query("DROP TRIGGER test_poison ON credit_records");
    }
  });
});
