// The decision audit (protocol/audit/decisions.ts) on a real EVM and PostgreSQL: a serious-list
// removal decided by two officers' passkeys, and a refusal, agree with the chain; then the
// database is changed behind the API's back (an outcome, a document digest, a record's state, an
// application's chain id) and the audit names the application, the record and the ledger entry,
// also through `npm run audit` (scripts/audit.ts as a process, against the listening API).
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDeployment } from "../../scripts/lib/deployment.ts";
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
    expect((await decide(t, wang, refused.app.id, "refused", "未按要求整改", "not_corrected")).statusCode).toBe(200);
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

  it("npm run audit compares the decisions too: clean, then names a changed outcome (exit 1) and publishes it", async () => {
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const deploymentFile = join(mkdtempSync(join(tmpdir(), "onecode-decision-audit-")), "deployment.json");
    await writeDeployment(deploymentFile, chain.deployment);
    const token = (await t.auth("auditor", "auditor-1")).authorization.slice("Bearer ".length);
    const run = async (extra: string[] = []) => {
      const args = ["scripts/audit.ts", "--rpc", chain.rpcUrl, "--deployment", deploymentFile, "--api", address, "--token", token, "--json"];
      // The test clock stands in 2026-11: the entries are judged at that time, with room for the unanchored tail.
      args.push("--now", t.clock.now().toISOString(), "--max-anchor-delay", "30d", ...extra);
      try {
        const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: resolve(import.meta.dirname, "../.."), maxBuffer: 64 * 1024 * 1024 });
        return { code: 0, report: JSON.parse(stdout) as { ok: boolean; decisions: { applications: number; findings: { kind: string; application: string }[] } | null } };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        if (e.code !== 1) throw new Error(`audit exited ${e.code}: ${e.stderr}`);
        return { code: 1, report: JSON.parse(e.stdout) as { ok: boolean; decisions: { applications: number; findings: { kind: string; application: string }[] } | null } };
      }
    };
    const clean = await run();
    expect(clean.code).toBe(0);
    expect(clean.report.ok).toBe(true);
    expect(clean.report.decisions).toEqual({ applications: 2, findings: [] });

    await t.db.pool.query("UPDATE repair_decisions SET outcome = 'approved' WHERE application_id = $1 AND step = 'final'", [refused.app.id]);
    try {
      const changed = await run(["--publish"]);
      expect(changed.code).toBe(1);
      expect(changed.report.ok).toBe(false);
      expect(changed.report.decisions?.findings).toEqual([expect.objectContaining({ kind: "decision_mismatch", application: refused.app.id })]);
      const latest = await t.app.inject({ method: "GET", url: "/v1/audit/latest", headers: await t.auth("auditor", "auditor-2") });
      expect(latest.json()).toMatchObject({ ok: false, publishedBy: "auditor-1", decisions: { applications: 2, findings: [{ kind: "decision_mismatch", application: refused.app.id }] } });
    } finally {
      await t.db.pool.query("UPDATE repair_decisions SET outcome = 'refused' WHERE application_id = $1 AND step = 'final'", [refused.app.id]);
    }
    expect((await run(["--no-decisions"])).report.decisions).toBeNull();
  }, 120_000);
});
