// THE end-to-end test through the HTTP API, on a real EVM (anvil with the contracts) and
// the real PostgreSQL server: a record is published, its fine is paid, the minimum period
// passes (TestClock), the enterprise applies at the kiosk, gets an instant decision, the
// record stops being public, the subject's credit status (and so its code) changes, and
// the decision's ledger entry has an inclusion proof against an on-chain anchor.
// Then a serious-list removal that needs two distinct officers, each signing with their own
// passkey, through the API and on chain.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { startWorkers, type Workers } from "../../api/src/workers.ts";
import { passedFaceCheck } from "../helpers/face.ts";
import { leafHash, verifyInclusion } from "../../protocol/ledger/merkle.ts";
import { fromHex } from "../../protocol/bytes.ts";
import { chainAnchors } from "../helpers/chain-events.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { decide, enrolOfficer, passAdminDelay } from "../helpers/officers.ts";

type H = { authorization: string };

describe("credit repair end to end (HTTP, PostgreSQL, EVM)", () => {
  let chain: TestChain;
  let t: TestApp;
  let workers: Workers;
  let registrar: H, agency: H, kiosk: H, auditor: H;

  beforeAll(async () => {
    chain = await startTestChain();
    // The chain's clock is the wall clock; the TestClock starts before it and ends near it,
    // so every publicUntil sent on chain is still in the chain's future.
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-09-01T02:00:00.000Z") });
    workers = startWorkers(t.ctx);
    registrar = await t.auth("registrar", "registrar-1");
    agency = await t.auth("credit_agency", "agency-market");
    kiosk = await t.auth("kiosk", "kiosk-chancheng-01");
    auditor = await t.auth("auditor", "auditor-1");
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
    await chain?.stop();
  });

  async function enrol(n: number) {
    const person = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(7000 + n), name: "陈大文" } });
    expect(person.statusCode, person.body).toBe(201);
    const ent = await t.app.inject({
      method: "POST",
      url: "/v1/enterprises",
      headers: registrar,
      payload: { uscc: uscc(7000 + n), name: "佛山市禅城区某某贸易有限公司", legalRepresentativeId: person.json().id },
    });
    expect(ent.statusCode, ent.body).toBe(201);
    return { rep: person.json().id as string, ent: ent.json().id as string };
  }

  /** The credit status a verifier sees when it scans a fresh code of the subject. */
  async function codeCreditStatus(subjectId: string): Promise<string> {
    // The code verifier caches a code's row for up to 1 s of wall-clock time (api/src/codes/verify.ts).
    await new Promise((r) => setTimeout(r, 1100));
    const code = await t.app.inject({ method: "GET", url: `/v1/subjects/${subjectId}/code`, headers: kiosk });
    expect(code.statusCode, code.body).toBe(200);
    const verdict = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token: code.json().token } });
    expect(verdict.json().valid, verdict.body).toBe(true);
    return verdict.json().subject.creditStatus;
  }

  async function ledgerSeq(type: string, field: string, value: string): Promise<number> {
    const rows = (await t.db.pool.query("SELECT seq, payload FROM ledger WHERE type = $1 ORDER BY seq", [type])).rows;
    const row = rows.find((r) => JSON.parse(r.payload)[field] === value);
    expect(row, `${type} entry for ${value}`).toBeDefined();
    return row.seq;
  }

  it("publish, pay, wait, apply, instant approval, publicity ends, code status changes, decision proven against the chain", async () => {
    const { rep, ent } = await enrol(1);
    expect(await codeCreditStatus(ent)).toBe("good");

    // 1. The agency publishes a general penalty with a fine.
    const published = await t.app.inject({
      method: "POST",
      url: "/v1/records",
      headers: agency,
      payload: {
        subjectId: ent,
        kind: "admin_penalty",
        severity: "general",
        decidingUnit: "佛山市禅城区市场监督管理局",
        decisionNo: "禅市监罚〔2026〕88号",
        decisionDate: "2026-08-20",
        legalBasis: "《中华人民共和国广告法》第五十五条",
        obligations: [{ type: "fine", amount: 30000, description: "罚款人民币叁万元" }],
      },
    });
    expect(published.statusCode, published.body).toBe(201);
    const record = published.json();
    expect(record).toMatchObject({ policyVersion: "national-2026", minimumEndsOn: "2026-11-20", creditStatus: "dishonest" });
    expect(await codeCreditStatus(ent)).toBe("dishonest");
    expect((await t.app.inject({ method: "GET", url: `/v1/public/subjects/${ent}/records` })).json().records).toHaveLength(1);

    // 2. The fine is paid (fact from the agency's feed).
    t.clock.set("2026-09-10T02:00:00.000Z");
    const paid = await t.app.inject({ method: "POST", url: `/v1/records/${record.id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: "2026-09-09" } });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json().evaluation).toMatchObject({ repairable: "later", earliestDate: "2026-11-21", ruleId: "national-2026.min_period.general" });

    // 3. The minimum period passes; the kiosk sees the record as repairable now.
    t.clock.set("2026-11-21T01:00:00.000Z");
    const view = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ent}/records`, headers: kiosk })).json();
    expect(view.repairableNow.map((r: { id: string }) => r.id)).toEqual([record.id]);
    const commitment = (await t.app.inject({ method: "GET", url: "/v1/credit/commitment" })).json();

    // 4. The legal representative passes the face check at the kiosk (the check itself is
    // tested in test/kiosk/face-api.test.ts) and applies; 秒批.
    const face = await passedFaceCheck(t.db.pool, { device: "kiosk-chancheng-01", enterpriseId: ent, personId: rep, now: t.clock.now() });
    const applied = await t.app.inject({
      method: "POST",
      url: "/v1/repair-applications",
      headers: kiosk,
      payload: {
        enterpriseId: ent,
        recordIds: [record.id],
        applicant: { personId: rep, capacity: "legal_representative" },
        commitment: { version: commitment.version, accepted: true, signature: "sha256:5f1d3c" },
        faceAssertion: face.assertion,
      },
    });
    expect(applied.statusCode, applied.body).toBe(201);
    const application = applied.json();
    expect(application).toMatchObject({ status: "approved", decisionMode: "automatic", ruleId: "national-2026.decision.automatic", policyVersion: "national-2026" });
    expect(application.commitment.digest).toBe(commitment.digest);

    // 5. Publicity ends, the credit status and the code follow.
    expect((await t.app.inject({ method: "GET", url: `/v1/public/subjects/${ent}/records` })).json().records).toEqual([]);
    expect(await codeCreditStatus(ent)).toBe("good");

    // 6. The chain learns the record and the decision; the ledger is anchored.
    await workers.outbox.drain(60_000);
    await workers.anchor.drain(60_000);
    const failed = (await t.db.pool.query("SELECT kind, error FROM chain_outbox WHERE status = 'failed'")).rows;
    expect(failed).toEqual([]);
    const onChain = await chain.chain.creditLedger.getFunction("recordOf")(record.chainId);
    expect(Number(onChain.status)).toBe(2); // repaired
    expect(String(onChain.digest).toLowerCase()).toBe(record.digest);
    expect(Number(await chain.chain.creditLedger.getFunction("decisionOf")(record.chainId, application.chainId))).toBe(1);

    // 7. The decision's ledger entry has an inclusion proof against an on-chain anchor.
    const seq = await ledgerSeq("repair.decided", "applicationId", application.chainId);
    const entry = (await t.app.inject({ method: "GET", url: `/v1/ledger/entries/${seq}`, headers: auditor })).json();
    expect(JSON.parse(entry.payload)).toMatchObject({ outcome: "approved", creditStatusAfter: "good", decisionDigest: application.decisions[0].digest });
    const proofRes = await t.app.inject({ method: "GET", url: `/v1/ledger/entries/${seq}/proof`, headers: auditor });
    expect(proofRes.statusCode, proofRes.body).toBe(200);
    const proof = proofRes.json();
    expect(proof.entryHash).toBe(entry.hash);
    expect(verifyInclusion(proof.indexInBatch, proof.batchSize, leafHash(fromHex(entry.hash)), proof.proof.map(fromHex), fromHex(proof.root))).toBe(true);
    const anchors = await chainAnchors(chain.chain);
    const anchor = anchors.find((a) => a.fromSeq <= seq && seq <= a.toSeq);
    expect(anchor, "an on-chain anchor covering the entry").toBeDefined();
    expect(anchor!.root.toLowerCase().replace(/^0x/, "")).toBe(String(proof.root).toLowerCase().replace(/^0x/, ""));
  });

  it("a serious-list removal needs two distinct officers, in the API and on chain", async () => {
    t.clock.set("2026-11-25T02:00:00.000Z");
    const { rep, ent } = await enrol(2);
    // Each officer holds a passkey; the API holds no key that can decide.
    const officer1 = await enrolOfficer(t, "officer-1", { drain: () => workers.outbox.drain(60_000) });
    const officer2 = await enrolOfficer(t, "officer-2", { drain: () => workers.outbox.drain(60_000) });
    await passAdminDelay(chain);
    const rec = (
      await t.app.inject({
        method: "POST",
        url: "/v1/records",
        headers: agency,
        payload: {
          subjectId: ent,
          kind: "serious_list",
          severity: "serious",
          decidingUnit: "佛山市禅城区应急管理局",
          decisionNo: "禅应急严失〔2025〕3号",
          decisionDate: "2025-09-01",
          legalBasis: "《安全生产严重失信主体名单管理办法》",
        },
      })
    ).json();
    expect(rec).toMatchObject({ policyVersion: "national-2023", decisionMode: "two_officers", creditStatus: "serious" });
    expect(await codeCreditStatus(ent)).toBe("serious");
    const passed = await passedFaceCheck(t.db.pool, { device: "kiosk-chancheng-01", enterpriseId: ent, personId: rep, now: t.clock.now() });
    const filed = (
      await t.app.inject({
        method: "POST",
        url: "/v1/repair-applications",
        headers: kiosk,
        payload: {
          enterpriseId: ent,
          recordIds: [rec.id],
          applicant: { personId: rep, capacity: "legal_representative" },
          commitment: { version: "cc-2026-04", accepted: true },
          faceAssertion: passed.assertion,
        },
      })
    ).json();
    expect(filed).toMatchObject({ status: "submitted", decisionMode: "two_officers" });
    const post = (url: string, h: H, payload: object = {}) => t.app.inject({ method: "POST", url, headers: h, payload });
    expect((await post(`/v1/repair-applications/${filed.id}/accept`, officer1.headers)).statusCode).toBe(200);
    expect((await decide(t, officer1, filed.id, "approved", "整改到位")).json().status).toBe("awaiting_second");

    // One officer alone cannot complete it: the API refuses, and the chain only holds a proposal.
    const alone = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}/decision-digest?outcome=approved`, headers: officer1.headers });
    expect(alone.statusCode).toBe(409);
    expect(alone.json().code).toBe("same_officer");
    await workers.outbox.drain(60_000);
    expect(Number((await chain.chain.creditLedger.getFunction("recordOf")(rec.chainId)).status)).toBe(1); // still published
    const pending = await chain.chain.creditLedger.getFunction("pendingApproval")(rec.chainId);
    expect(String(pending.applicationId).toLowerCase()).toBe(filed.chainId);
    expect(await codeCreditStatus(ent)).toBe("serious");

    const second = await decide(t, officer2, filed.id, "approved", "复核同意");
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().status).toBe("approved");
    expect(await codeCreditStatus(ent)).toBe("good");
    await workers.outbox.drain(60_000);
    expect(Number((await chain.chain.creditLedger.getFunction("recordOf")(rec.chainId)).status)).toBe(2);
    expect(Number(await chain.chain.creditLedger.getFunction("decisionOf")(rec.chainId, filed.chainId))).toBe(1);
    expect((await t.db.pool.query("SELECT kind, error FROM chain_outbox WHERE status = 'failed'")).rows).toEqual([]);
    const view = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${filed.id}`, headers: officer2.headers })).json();
    expect(view.chain).toMatchObject({ state: "confirmed", writes: [{ step: "proposal", officer: "officer-1", status: "done" }, { step: "final", officer: "officer-2", status: "done" }] });
  });
});
