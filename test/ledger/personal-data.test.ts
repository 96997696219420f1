// Must show (issue 15): no ledger entry type can carry an 18-digit ID number, a phone number or a
// name from request input. Entries are permanent (hash-chained, anchored): the guard in
// api/src/ledger/personal-data.ts refuses personal data in any string of any entry, on the one
// path every entry takes (appendEntries); and the routes keep names and free text out of entries.
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntry } from "../../api/src/ledger/append.ts";
import { findPersonalData, personalDataIn } from "../../api/src/ledger/personal-data.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { generalPenalty } from "../credit/fixtures.ts";

const ID = personId(4242); // a valid GB 11643 number (Foshan, Chancheng)
const MOBILE = "13912345678";

describe("what the guard calls personal data", () => {
  it("finds resident ID numbers and mobile numbers inside free text", () => {
    for (const text of [
      ID,
      `身份证${ID}，`,
      `ID ${ID.slice(0, 17)}X was given`,
      `${ID.slice(0, 17)}0`, // a mistyped check character is still someone's number
      `电话${MOBILE}`,
      `tel: +86 139 1234 5678`,
      `8613912345678`,
      `139-1234-5678`,
      `联系人：陈大文 ${MOBILE}`,
    ]) {
      expect(personalDataIn(text), text).not.toBeNull();
    }
    expect(personalDataIn(`身份证${ID}`)).toBe("resident_id");
    expect(personalDataIn(`电话${MOBILE}`)).toBe("mobile_number");
  });

  it("leaves the ledger's own values alone: hex digests and ids, UUIDs, USCCs, dates, amounts, times", () => {
    for (let i = 0; i < 20_000; i++) {
      for (const text of [randomBytes(32).toString("hex"), randomBytes(16).toString("hex"), `0x${randomBytes(32).toString("hex")}`, randomUUID()]) {
        expect(personalDataIn(text), text).toBeNull();
      }
    }
    for (const text of [uscc(1), uscc(123456789), "914406047080123450", "2026-05-12", "20000", "1796122791797", "2026-12-01T10:00:00.000Z", "禅市监罚〔2026〕123456号", "national-2023.general.fine"]) {
      expect(personalDataIn(text), text).toBeNull();
    }
  });

  it("looks into nested values and keys, and names the path without the value", () => {
    expect(findPersonalData({ a: [{ b: "ok" }, { c: `x ${MOBILE}` }] }, "payload")).toEqual({ path: "payload.a[1].c", kind: "mobile_number" });
    expect(findPersonalData({ [ID]: 1 }, "payload")).toEqual({ path: "payload (a key)", kind: "resident_id" });
  });
});

describe("the guard on every entry", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t?.close());

  it("refuses personal data in the payload, actor or subject ref of any entry type, and appends nothing", async () => {
    const head = async () => Number((await t.db.pool.query("SELECT seq FROM ledger_head")).rows[0].seq);
    const before = await head();
    const cases = [
      { type: "repair.extended", payload: { reasonCode: "verify_correction", note: `申请人身份证${ID}` }, actor: "repair_officer:li" },
      { type: "record.fact_added", payload: { conditionId: `call ${MOBILE}` }, actor: "credit_agency:x" },
      { type: "anything.new", payload: { deep: { list: ["a", `+86 ${MOBILE}`] } }, actor: "system:x" },
      { type: "code.issued", payload: {}, actor: `registrar:${MOBILE}` },
      { type: "subject.enrolled", payload: {}, actor: "registrar:a", subjectRef: ID },
    ];
    for (const entry of cases) {
      const error = await withTransaction(t.db.pool, (c) => appendEntry(c, entry)).catch((e: unknown) => e);
      expect(error, entry.type).toMatchObject({ status: 422, code: "personal_data_in_ledger" });
      expect(JSON.stringify((error as { extra: unknown }).extra)).not.toContain(ID);
      expect((error as Error).message).not.toContain(MOBILE);
    }
    expect(await head()).toBe(before);
  });

  it("is on the only path into the ledger: no other code inserts entries", () => {
    const root = join(import.meta.dirname, "..", "..", "api", "src");
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    const inserting = files.filter((f) => /INSERT\s+INTO\s+ledger\s*\(/i.test(readFileSync(join(root, f), "utf8")));
    expect(inserting).toEqual([join("ledger", "append.ts")]);
  });

  it("keeps names, ID numbers and phone numbers from request input out of the ledger, whatever the route", async () => {
    const registrar = await t.auth("registrar");
    const agency = await t.auth("credit_agency");
    const name = "欧阳娜娜";
    const person = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: ID, name } });
    expect(person.statusCode).toBe(201);
    const enterprise = await t.app.inject({
      method: "POST",
      url: "/v1/enterprises",
      headers: registrar,
      payload: { uscc: uscc(4242), name: "佛山市禅城区欧阳贸易有限公司", legalRepresentativeId: person.json().id },
    });
    expect(enterprise.statusCode).toBe(201);
    // Free text of a record, with personal data in every text field an agency sends.
    const dirty = `当事人${name}，身份证${ID}，电话${MOBILE}`;
    const record = await t.app.inject({
      method: "POST",
      url: "/v1/records",
      headers: agency,
      payload: generalPenalty(enterprise.json().id, { decisionNo: `禅市监罚〔2026〕${dirty}`, legalBasis: dirty, obligations: [{ type: "fine", amount: 20000, description: dirty }] }),
    });
    expect(record.statusCode).toBe(201); // the record keeps its text in its own (erasable) row
    if (record.statusCode === 201) {
      const fact = await t.app.inject({ method: "POST", url: `/v1/records/${record.json().id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-06-01", conditionId: dirty } });
      expect([201, 400]).toContain(fact.statusCode); // conditionId is a code from the policy (issue 19)
    }
    const entries = (await t.db.pool.query<{ type: string; text: string }>("SELECT type, concat_ws(' ', payload, actor, subject_ref) AS text FROM ledger ORDER BY seq")).rows;
    expect(entries.length).toBeGreaterThan(2);
    for (const e of entries) {
      expect(e.text, e.type).not.toContain(ID);
      expect(e.text, e.type).not.toContain(MOBILE);
      expect(e.text, e.type).not.toContain(name);
      expect(personalDataIn(e.text), e.type).toBeNull();
    }
  });
});
