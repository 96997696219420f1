// The decision audit (protocol/audit/decisions.ts) on a real EVM and PostgreSQL: a serious-list
// removal decided by two officers' passkeys, and a refusal, agree with the chain; then the
// database is changed behind the API's back (an outcome, a document digest, a record's state, an
// application's chain id) and the audit names the application, the record and the ledger entry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { decide, enrolOfficer, fileSeriousListApplication, passAdminDelay, type TestOfficer } from "../helpers/officers.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { checkDecisions, readDecisionView, type DbApplicationDecision } from "../../protocol/audit/decisions.ts";
import { httpRpc } from "../../protocol/audit/chain-reader.ts";

describe("decision audit: the database's repair decisions against the chain's", () => {
  let chain: TestChain;
  let t: TestApp;
  let li: TestOfficer, wang: TestOfficer;
  let approved: { app: { id: string; chainId: string }; record: { id: string; chainId: string } };
  let refused: { app: { id: string; chainId: string }; record: { id: string; chainId: string } };
  let outbox: ReturnType<typeof createOutboxWorker>;
  const drain = () => outbox.drain(60_000);

  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-11-25T02:00:00.000Z") });
    outbox = createOutboxWorker(t.ctx);
    li = await enrolOfficer(t, "officer-li", { drain });
    wang = await enrolOfficer(t, "officer-wang", { drain });
    await passAdminDelay(chain);
    approved = await fileSeriousListApplication(t, 9101, li);
    refused = await fileSeriousListApplication(t, 9102, li);
    await drain();
    expect((await decide(t, li, approved.app.id, "approved", "整改到位")).statusCode).toBe(200);
    await drain();
    expect((await decide(t, wang, approved.app.id, "approved", "复核同意")).statusCode).toBe(200);
    expect((await decide(t, wang, refused.app.id, "refused", "未按要求整改")).statusCode).toBe(200);
    await drain();
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  async function audit() {
    const auditor = await t.auth("auditor", "auditor-1");
    const apps = (await t.app.inject({ method: "GET", url: "/v1/audit/decisions", headers: auditor })).json().applications as DbApplicationDecision[];
    const view = await readDecisionView(httpRpc(chain.rpcUrl), chain.deployment.creditLedger.address, apps.flatMap((a) => a.records.map((r) => r.recordId)), { fromBlock: chain.deployment.deployedAt });
    return checkDecisions(apps, view, { pendingIsMissing: true });
  }

  async function decidedSeq(applicationChainId: string): Promise<number> {
    const { rows } = await t.db.pool.query("SELECT seq FROM ledger WHERE type = 'repair.decided' AND payload::jsonb->>'applicationId' = $1", [applicationChainId]);
    return Number(rows[0].seq);
  }

  /** Runs `change` on the database, audits, and undoes it. */
  async function auditWith(change: string, undo: string, params: unknown[]) {
    await t.db.pool.query(change, params);
    try {
      return await audit();
    } finally {
      await t.db.pool.query(undo, params);
    }
  }

  it("agrees while nobody touches the database", async () => {
    expect(await audit()).toEqual([]);
  });

  it("names an outcome changed in the database", async () => {
    const findings = await auditWith(
      "UPDATE repair_decisions SET outcome = 'approved' WHERE application_id = $1 AND step = 'final'",
      "UPDATE repair_decisions SET outcome = 'refused' WHERE application_id = $1 AND step = 'final'",
      [refused.app.id],
    );
    expect(findings).toEqual([
      {
        kind: "decision_mismatch",
        application: refused.app.id,
        applicationId: refused.app.chainId,
        recordId: refused.record.chainId,
        ledgerSeq: await decidedSeq(refused.app.chainId),
        txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        detail: expect.stringContaining("outcome approved in the database, refused on chain"),
      },
    ]);
  });

  it("names a decision document replaced in the database", async () => {
    const findings = await auditWith(
      "UPDATE repair_decisions SET digest = sha256(convert_to(document || ' ', 'UTF8')), document = document || ' ' WHERE application_id = $1 AND step = 'final'",
      "UPDATE repair_decisions SET document = rtrim(document, ' '), digest = sha256(convert_to(rtrim(document, ' '), 'UTF8')) WHERE application_id = $1 AND step = 'final'",
      [approved.app.id],
    );
    expect(findings).toEqual([
      expect.objectContaining({ kind: "decision_mismatch", application: approved.app.id, recordId: approved.record.chainId, ledgerSeq: await decidedSeq(approved.app.chainId), detail: expect.stringContaining("document digest") }),
    ]);
    expect(await audit()).toEqual([]);
  });

  it("names a record put back on the list in the database only", async () => {
    const findings = await auditWith("UPDATE credit_records SET status = 'published' WHERE id = $1", "UPDATE credit_records SET status = 'repaired' WHERE id = $1", [approved.record.id]);
    expect(findings).toEqual([
      expect.objectContaining({ kind: "record_state_mismatch", application: approved.app.id, recordId: approved.record.chainId, detail: "the record is published in the database, repaired on chain" }),
    ]);
  });

  it("names a decision the chain holds and the database does not (an application's chain id rewritten)", async () => {
    const findings = await auditWith(
      "UPDATE repair_applications SET chain_id = decode(md5(id::text) || md5($2), 'hex') WHERE id = $1",
      "UPDATE repair_applications SET chain_id = decode($2, 'hex') WHERE id = $1",
      [refused.app.id, refused.app.chainId.slice(2)],
    );
    const kinds = findings.map((f) => [f.kind, f.recordId]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ["decision_not_on_chain", refused.record.chainId],
        ["decision_not_in_database", refused.record.chainId],
      ]),
    );
    expect(findings.find((f) => f.kind === "decision_not_in_database")).toMatchObject({ applicationId: refused.app.chainId, application: null });
    expect(await audit()).toEqual([]);
  });
});
