// Decisions the server cannot forge (issue 14), on a real EVM (anvil) and the real PostgreSQL:
// officers sign serious-list removals with their own passkeys (software authenticators with real
// P-256 keys), the API verifies and relays, the CreditLedger checks again. Every key the API holds
// is tried alone; one officer twice; a replay; a signature for another record or outcome; and the
// divergence of the issue (a second approval the chain refused, reported as done) reproduced and
// shown to be visible now. After each story the decision audit finds the database and the chain
// in agreement.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, type Wallet } from "ethers";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { decide, decisionToSign, enrolOfficer, fileSeriousListApplication, passAdminDelay, postDecision, sign, type TestOfficer } from "../helpers/officers.ts";
import { refusalToSign } from "./refusals.ts";
import { createPasskey } from "../contracts/passkey.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { describeRevert } from "../../api/src/chain/sender.ts";
import { challengeOf, decisionCall, decisionDigest, keccakUtf8, officerSignatureOf, randomNonce, type Hex, type RepairDecision } from "../../protocol/repair/decision-digest.ts";
import { checkDecisions, readDecisionView, type DbApplicationDecision } from "../../protocol/audit/decisions.ts";
import { httpRpc } from "../../protocol/audit/chain-reader.ts";

type H = { authorization: string };

describe("officers' signed decisions (HTTP, PostgreSQL, EVM)", () => {
  let chain: TestChain;
  let t: TestApp;
  let outbox: ReturnType<typeof createOutboxWorker>;
  let auditor: H;
  let li: TestOfficer, wang: TestOfficer, zhao: TestOfficer;
  let n = 0;
  const drain = () => outbox.drain(60_000);

  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-11-25T02:00:00.000Z") });
    outbox = createOutboxWorker(t.ctx);
    auditor = await t.auth("auditor", "auditor-1");
    li = await enrolOfficer(t, "officer-li", { drain });
    wang = await enrolOfficer(t, "officer-wang", { drain });
    zhao = await enrolOfficer(t, "officer-zhao", { drain });
    await passAdminDelay(chain);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  /** A serious-list record, an application for its removal filed at the kiosk and accepted by li. */
  async function seriousApplication() {
    n += 1;
    const filed = await fileSeriousListApplication(t, 8100 + n, li);
    await drain(); // the record is on chain
    return filed;
  }

  const ledger = () => chain.chain.creditLedger;
  const chainStatus = async (recordChainId: string) => Number((await ledger().getFunction("recordOf")(recordChainId)).status);

  /** The revert reason of a call from `wallet`, decoded by name from the ABI. */
  async function refusal(wallet: Wallet, fn: string, args: unknown[]): Promise<string> {
    try {
      await (ledger().connect(wallet) as Contract).getFunction(fn).staticCall(...args);
    } catch (error) {
      return describeRevert(error, [ledger().interface]);
    }
    return "accepted";
  }

  /** What the chain's decideRepair takes for a passkey's signature of `decision`. */
  function signedCall(passkey: { keyId: Hex; get: (c: Uint8Array) => { authenticatorData: Uint8Array; clientDataJSON: Uint8Array; signature: Uint8Array } }, decision: RepairDecision) {
    const digest = decisionDigest({ chainId: chain.deployment.chainId, verifyingContract: chain.deployment.creditLedger.address }, decision);
    return [decisionCall(decision), officerSignatureOf(passkey.keyId, passkey.get(challengeOf(digest)), digest)];
  }

  function approval(app: { chainId: string; policyVersion: string; ruleId: string }, record: { chainId: string }, digest: string): RepairDecision {
    return {
      recordId: record.chainId as Hex,
      applicationId: app.chainId as Hex,
      outcome: 1,
      decisionDigest: digest as Hex,
      policyVersion: app.policyVersion,
      ruleId: app.ruleId,
      nonce: randomNonce(),
      deadline: BigInt(Math.floor(Date.now() / 1000) + 86_400 * 3),
    };
  }

  /** The decision audit: the database's decisions against the chain's. */
  async function audit(options: { pendingIsMissing?: boolean } = {}) {
    const snapshot = await t.app.inject({ method: "GET", url: "/v1/audit/decisions", headers: auditor });
    expect(snapshot.statusCode, snapshot.body).toBe(200);
    const apps = snapshot.json().applications as DbApplicationDecision[];
    const view = await readDecisionView(httpRpc(chain.rpcUrl), chain.deployment.creditLedger.address, apps.flatMap((a) => a.records.map((r) => r.recordId)), { fromBlock: chain.deployment.deployedAt });
    return checkDecisions(apps, view, options);
  }

  it("no key the API holds approves a serious-list removal alone; neither does an officer without a registered key", async () => {
    const { app, record } = await seriousApplication();
    const digest = `0x${"11".repeat(32)}`;
    const rule = [record.chainId, app.chainId, 1, digest, keccakUtf8(app.policyVersion), keccakUtf8(app.ruleId)];
    const s = chain.chain.signers;
    // The relayer may send rule decisions, but the chain wants officers' signatures here.
    expect(await refusal(s.relayer, "decideRepairByRule", rule)).toMatch(/^CreditLedgerOfficerSignatureRequired\(/);
    for (const wallet of [s.registrar, s.creditAgency, s.anchorer, s.admin!]) {
      expect(await refusal(wallet, "decideRepairByRule", rule)).toMatch(/^AccessControlUnauthorizedAccount\(/);
    }
    // A P-256 key the API makes up is no officer's.
    const madeUp = createPasskey();
    expect(await refusal(s.relayer, "decideRepair", signedCall(madeUp, approval(app, record, digest)))).toMatch(/^OfficerKeysUnknownKey\(/);
    // The admin key (kept by npm start, cold in production) can register one, but only after the delay.
    await (await (ledger().connect(s.admin!) as Contract).getFunction("registerOfficerKey")(`0x${"99".repeat(32)}`, madeUp.x, madeUp.y)).wait();
    expect(await refusal(s.relayer, "decideRepair", signedCall(madeUp, approval(app, record, digest)))).toMatch(/^OfficerKeysKeyNotYetValid\(/);

    // Through the API: an officer whose key is not registered gets nothing to sign.
    const noKey = await t.auth("repair_officer", "officer-without-key");
    const res = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}/decision-digest?outcome=approved`, headers: noKey });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe("no_active_officer_key");
    expect(await chainStatus(record.chainId)).toBe(1);
    expect((await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}`, headers: li.headers })).json().status).toBe("accepted");
  });

  it("one officer twice is refused by the API and by the chain; two distinct officers remove the record, database and chain agree", async () => {
    const { app, record } = await seriousApplication();
    const first = await decide(t, li, app.id, "approved", "整改到位");
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: "awaiting_second", chain: { state: "pending" } });
    await drain();
    expect(String((await ledger().getFunction("pendingApproval")(record.chainId)).applicationId).toLowerCase()).toBe(app.chainId);
    // A replay of the proposal the chain took (the relayer sends the same signed call again): refused.
    const sent = (await t.db.pool.query("SELECT o.payload FROM repair_decision_writes w JOIN chain_outbox o ON o.id = w.outbox_id WHERE w.application_id = $1 AND w.step = 'proposal'", [app.id])).rows[0].payload;
    const replay = [decisionCall({ ...sent, nonce: BigInt(sent.signed.nonce), deadline: BigInt(sent.signed.deadline) } as RepairDecision), sent.signed.signature];
    expect(await refusal(chain.chain.signers.relayer, "decideRepair", replay)).toMatch(/^OfficerKeysSignatureReplayed\(/);

    // The same officer again: the API refuses to prepare or take it.
    const again = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}/decision-digest?outcome=approved`, headers: li.headers });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe("same_officer");
    const proposal = (await t.db.pool.query("SELECT document, digest FROM repair_decisions WHERE application_id = $1 AND step = 'proposal'", [app.id])).rows[0];
    // … and the chain refuses the same officer's second signature even when the relayer sends it.
    const decisionDigestHex = `0x${proposal.digest.toString("hex")}`;
    expect(await refusal(chain.chain.signers.relayer, "decideRepair", signedCall(li.passkey, approval(app, record, decisionDigestHex)))).toMatch(/^CreditLedgerSameOfficer\(/);
    expect(await chainStatus(record.chainId)).toBe(1);

    const second = await decide(t, wang, app.id, "approved", "复核同意");
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().status).toBe("approved");
    await drain();
    expect(await chainStatus(record.chainId)).toBe(2);
    expect(Number(await ledger().getFunction("decisionOf")(record.chainId, app.chainId))).toBe(1);
    const view = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}`, headers: wang.headers })).json();
    expect(view.chain.state).toBe("confirmed");
    expect(view.records[0].status).toBe("repaired");
    expect(await audit({ pendingIsMissing: true })).toEqual([]);
  });

  it("a replayed or borrowed signature and a signature for another record or outcome are refused", async () => {
    const a = await seriousApplication();
    const b = await seriousApplication();
    const toSign = await decisionToSign(t, li, a.app.id, "approved", "整改到位");
    const body = { outcome: "approved", reason: "整改到位", document: toSign.document, signatures: sign(li, toSign) };
    // A signature for application a's record, posted for b: another decision.
    const toSignB = await decisionToSign(t, li, b.app.id, "approved", "整改到位");
    const otherRecord = await postDecision(t, li, b.app.id, { ...body, document: toSignB.document, signatures: body.signatures.map((s) => ({ ...s, recordId: b.record.id })) });
    expect([otherRecord.statusCode, otherRecord.json().code]).toEqual([422, "signature_for_other_decision"]);
    // An approval's signature posted as a refusal (with the refusal's document).
    const refusalDoc = (await refusalToSign(t, li, b.app.id, "not_corrected", "材料不全")).document;
    const otherOutcome = await postDecision(t, li, b.app.id, { outcome: "refused", reasonCode: "not_corrected", reason: "材料不全", document: refusalDoc, signatures: sign(li, toSignB) });
    expect([otherOutcome.statusCode, otherOutcome.json().code]).toEqual([422, "signature_for_other_decision"]);
    // Without user verification.
    const noUv = await postDecision(t, li, a.app.id, { ...body, signatures: sign(li, toSign, { flags: 0x01 }) });
    expect([noUv.statusCode, noUv.json().code]).toEqual([422, "user_not_verified"]);

    // The genuine proposal goes through once; posted again by li it is refused.
    const ok = await postDecision(t, li, a.app.id, body);
    expect(ok.statusCode, ok.body).toBe(200);
    const replayed = await postDecision(t, li, a.app.id, body);
    expect([replayed.statusCode, replayed.json().code]).toEqual([409, "same_officer"]);
    // Another officer posts li's signatures as the confirmation: not their key; with their key id the signature fails.
    const borrowed = await postDecision(t, wang, a.app.id, body);
    expect([borrowed.statusCode, borrowed.json().code]).toEqual([403, "officer_key_not_yours"]);
    const mislabelled = await postDecision(t, wang, a.app.id, { ...body, signatures: body.signatures.map((s) => ({ ...s, keyId: wang.keyId })) });
    expect([mislabelled.statusCode, mislabelled.json().code]).toEqual([422, "signature_invalid"]);
    // The chain refuses a signature moved to another record or outcome, too.
    const digest = toSign.records[0]!.message.decisionDigest as string;
    const signedForA = signedCall(li.passkey, approval(a.app, a.record, digest));
    const [callA, sigA] = signedForA as [ReturnType<typeof decisionCall>, unknown];
    expect(await refusal(chain.chain.signers.relayer, "decideRepair", [{ ...callA, recordId: b.record.chainId }, sigA])).toMatch(/^OfficerKeysInvalidSignature\(/);
    expect(await refusal(chain.chain.signers.relayer, "decideRepair", [{ ...callA, outcome: 2 }, sigA])).toMatch(/^OfficerKeysInvalidSignature\(/);

    await drain();
    expect(await chainStatus(a.record.chainId)).toBe(1); // one approval of two: still on the list
    expect(await audit({ pendingIsMissing: true })).toEqual([]);
  });

  it("the issue's divergence: a refused approval is never reported as done, stays visible, and is signed again", async () => {
    const { app, record } = await seriousApplication();
    // Officer zhao proposes; before the write is sent, zhao's key is revoked on chain (a lost device).
    const first = await decide(t, zhao, app.id, "approved", "整改到位");
    expect(first.statusCode, first.body).toBe(200);
    await (await (ledger().connect(chain.chain.signers.admin!) as Contract).getFunction("revokeOfficerKey")(zhao.keyId)).wait();
    await drain();
    const failed = (await t.db.pool.query("SELECT o.status, o.error FROM repair_decision_writes w JOIN chain_outbox o ON o.id = w.outbox_id WHERE w.application_id = $1", [app.id])).rows;
    expect(failed).toEqual([{ status: "failed", error: expect.stringMatching(/^OfficerKeysKeyRevoked\(/) }]);
    const view = (await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}`, headers: li.headers })).json();
    expect(view.status).toBe("awaiting_second");
    expect(view.chain).toMatchObject({ state: "chain_failed", writes: [{ step: "proposal", officer: "officer-zhao", status: "failed", error: expect.stringMatching(/^OfficerKeysKeyRevoked/) }] });
    const queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: li.headers })).json();
    expect(queue.items.find((i: { id: string }) => i.id === app.id).chainState).toBe("chain_failed");
    const ready = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.json()).toMatchObject({ status: "degraded", chainWrites: "refused_writes" });
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/onecode_chain_writes_failed\{kind="repair.decide"\} 1/);
    // The audit names it: the database holds an approval the chain does not.
    const findings = await audit({ pendingIsMissing: true });
    expect(findings).toEqual([expect.objectContaining({ kind: "decision_not_on_chain", application: app.id, recordId: record.chainId })]);

    // The second officer cannot complete an approval the chain does not hold (the old bug: DB
    // repaired, chain published, outbox "already applied").
    const second = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}/decision-digest?outcome=approved`, headers: li.headers });
    expect(second.statusCode).toBe(200);
    const toSign = second.json();
    const refused = await postDecision(t, li, app.id, { outcome: "approved", document: toSign.document, signatures: sign(li, toSign) });
    expect([refused.statusCode, refused.json().code]).toEqual([409, "proposal_not_on_chain"]);
    // Nor can a confirmation slipped into the outbox: the worker will not send it alone.
    await t.db.pool.query("INSERT INTO chain_outbox (kind, payload) SELECT kind, payload || '{\"step\":\"confirmation\",\"officer\":\"officer-li\"}'::jsonb FROM chain_outbox WHERE id = (SELECT outbox_id FROM repair_decision_writes WHERE application_id = $1)", [app.id]);
    await drain();
    const alone = (await t.db.pool.query("SELECT status, error FROM chain_outbox ORDER BY id DESC LIMIT 1")).rows[0];
    expect(alone).toEqual({ status: "failed", error: expect.stringMatching(/would stand alone/) });
    expect(await chainStatus(record.chainId)).toBe(1);

    // zhao enrols a new passkey and signs the same approval again; then li confirms.
    const zhao2 = await enrolOfficer(t, "officer-zhao", { drain });
    await passAdminDelay(chain);
    const res = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}/decision-digest?outcome=approved&resign=true`, headers: zhao2.headers });
    expect(res.statusCode, res.body).toBe(200);
    const again = res.json();
    const stored = (await t.db.pool.query("SELECT document FROM repair_decisions WHERE application_id = $1 AND step = 'proposal'", [app.id])).rows[0].document;
    expect(again).toMatchObject({ step: "proposal", document: stored });
    const resigned = await t.app.inject({
      method: "POST",
      url: `/v1/repair-applications/${app.id}/chain-resign`,
      headers: zhao2.headers,
      payload: { outcome: "approved", document: stored, signatures: sign(zhao2, again) },
    });
    expect(resigned.statusCode, resigned.body).toBe(200);
    await drain();
    const confirmed = await decide(t, li, app.id, "approved", "复核同意");
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    await drain();
    expect(await chainStatus(record.chainId)).toBe(2);
    expect((await t.app.inject({ method: "GET", url: `/v1/repair-applications/${app.id}`, headers: li.headers })).json().chain.state).toBe("confirmed");
    expect((await t.app.inject({ method: "GET", url: "/readyz" })).json().chainWrites).toBe("refused_writes"); // the slipped-in write stays refused
    expect(await audit({ pendingIsMissing: true })).toEqual([]);
  });
});
