// Enrolment through the API against the real PostgreSQL server (no chain: writes wait in the outbox).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { subjectCommitment } from "../../api/src/subjects/commitment.ts";
import { listOutbox } from "../../api/src/chain/outbox.ts";
import { verifyChain } from "../helpers/ledger.ts";
import { personId, uscc } from "../helpers/identifiers.ts";

describe.each([["server", false], ["embedded", true]] as const)("enrolment (%s database)", (_mode, embedded) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ embedded });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function enrolPerson(idNumber: string, name = "张小三") {
    return t.app.inject({ method: "POST", url: "/v1/persons", headers: await t.auth("registrar", "alice"), payload: { idNumber, name } });
  }

  it("enrols a person: subject, ledger entries, code and outbox row", async () => {
    const res = await enrolPerson(personId(1));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ kind: "person", displayName: "张*三", identifierMasked: "4406**********" + personId(1).slice(-4) });
    expect(body.codeId).toMatch(/^[0-9a-f]{32}$/);

    const pool = t.db.pool;
    const subject = await pool.query("SELECT commitment, created_by FROM subjects WHERE id = $1", [body.id]);
    expect(subject.rows[0].created_by).toBe("registrar:alice");
    expect(subject.rows[0].commitment).toEqual(subjectCommitment(t.ctx.config.subjectKey, "person", personId(1)));
    const entries = await pool.query("SELECT type, subject_ref, actor, payload FROM ledger ORDER BY seq");
    expect(entries.rows.map((r) => r.type)).toEqual(["subject.enrolled", "code.issued"]);
    expect(entries.rows[1].subject_ref).toBe(body.codeId);
    // no personal data in the ledger
    expect(JSON.stringify(entries.rows)).not.toContain(personId(1));
    expect(JSON.stringify(entries.rows)).not.toContain("张小三");
    const outbox = await listOutbox(pool);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.write).toMatchObject({ kind: "code.issue", codeId: `0x${body.codeId}`, codeKind: 1 });
    expect(await verifyChain(pool)).toBe(2);
  });

  it("refuses a duplicate with 409 subject_already_enrolled, lower-case x included", async () => {
    const id = "11010519491231002X";
    expect((await enrolPerson(id)).statusCode).toBe(201);
    const again = await enrolPerson(id.toLowerCase());
    expect(again.statusCode).toBe(409);
    expect(again.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(again.json().code).toBe("subject_already_enrolled");
  });

  it("refuses bad checksums and future birth dates with 400 and writes nothing", async () => {
    const before = await t.db.pool.query("SELECT (SELECT count(*) FROM subjects)::int AS s, (SELECT count(*) FROM ledger)::int AS l, (SELECT count(*) FROM chain_outbox)::int AS o");
    const bad = await enrolPerson("440524188001010015");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("invalid_id_number");
    const future = await enrolPerson("440524209901010011");
    expect(future.json().code).toBe("invalid_id_number");
    const ent = await t.app.inject({
      method: "POST",
      url: "/v1/enterprises",
      headers: await t.auth("registrar"),
      payload: { uscc: "91350100M000100Y44", name: "佛山市某某有限公司", legalRepresentativeId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(ent.statusCode).toBe(400);
    expect(ent.json().code).toBe("invalid_uscc");
    const after = await t.db.pool.query("SELECT (SELECT count(*) FROM subjects)::int AS s, (SELECT count(*) FROM ledger)::int AS l, (SELECT count(*) FROM chain_outbox)::int AS o");
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it("enrols an enterprise with its legal representative; refuses unknown or non-person representatives", async () => {
    const rep = (await enrolPerson(personId(2), "李四")).json();
    const headers = await t.auth("registrar");
    const res = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(7), name: "佛山市禅城区某某贸易有限公司", legalRepresentativeId: rep.id } });
    expect(res.statusCode).toBe(201);
    // An enterprise's name is public: shown as registered (a person's stays masked).
    expect(res.json()).toMatchObject({ kind: "enterprise", displayName: "佛山市禅城区某某贸易有限公司" });
    const missing = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(8), name: "佛山市甲有限公司", legalRepresentativeId: "00000000-0000-4000-8000-000000000000" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe("legal_representative_not_found");
    const notPerson = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(9), name: "佛山市乙有限公司", legalRepresentativeId: res.json().id } });
    expect(notPerson.statusCode).toBe(422);
    expect(notPerson.json().code).toBe("legal_representative_not_person");
    const dup = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(7), name: "另一个名字有限公司", legalRepresentativeId: rep.id } });
    expect(dup.statusCode).toBe(409);

    const view = await t.app.inject({ method: "GET", url: `/v1/subjects/${res.json().id}`, headers: await t.auth("auditor") });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ kind: "enterprise", identifierMasked: `9144**********${uscc(7).slice(-4)}`, legalRepresentativeId: rep.id, code: { status: "active", onChain: false } });
    expect(view.body).not.toContain(uscc(7));
  });

  it("needs the registrar role to enrol", async () => {
    const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers: await t.auth("auditor"), payload: { idNumber: personId(3), name: "王五" } });
    expect(res.statusCode).toBe(403);
    const none = await t.app.inject({ method: "POST", url: "/v1/persons", payload: { idNumber: personId(3), name: "王五" } });
    expect(none.statusCode).toBe(401);
  });

  it("is one transaction: a failure after the subject row leaves nothing behind", async () => {
    const { enrolPerson: enrol } = await import("../../api/src/subjects/enrol.ts");
    const { withTransaction } = await import("../../api/src/db/database.ts");
    const count = async () =>
      (await t.db.pool.query("SELECT (SELECT count(*) FROM subjects)::int AS s, (SELECT count(*) FROM codes)::int AS c, (SELECT count(*) FROM ledger)::int AS l, (SELECT count(*) FROM chain_outbox)::int AS o")).rows[0];
    const before = await count();
    // The last step of an enrolment with a photo (the face feature storing the reference) fails.
    const storeReference = async () => {
      throw new Error("face engine down");
    };
    await expect(
      withTransaction(t.db.pool, (c) => enrol(c, t.ctx.config.subjectKey, { idNumber: personId(4), name: "赵六" }, "registrar:x", new Date(), storeReference)),
    ).rejects.toThrow("face engine down");
    expect(await count()).toEqual(before);
  });
});
