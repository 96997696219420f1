// Repair officers with their own passkeys, for tests through the HTTP API: a software
// authenticator (test/contracts/passkey.ts: a real P-256 key answering navigator.credentials.get
// as a browser would), enrolled by an admin through the API, registered on the ledger by the
// outbox, usable once the chain's clock passed the admin delay. Decisions are signed the way the
// back office does: GET the decision to sign, recompute the digest, assert, POST.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { LightMyRequestResponse } from "fastify";
import { challengeOf, decisionDigest, type Hex, type RepairDecision } from "../../protocol/repair/decision-digest.ts";
import { createPasskey, type SoftPasskey } from "../contracts/passkey.ts";
import type { TestApp } from "./app.ts";
import { passedFaceCheck } from "./face.ts";
import { personId, uscc } from "./identifiers.ts";
import type { TestChain } from "./chain.ts";

type H = { authorization: string };

export interface TestOfficer {
  sub: string;
  headers: H;
  passkey: SoftPasskey;
  credentialId: string;
  keyId: Hex;
}

/** What GET …/decision-digest answers (officer-api.md, section 2). */
export interface DecisionToSign {
  step: "final" | "proposal" | "confirmation";
  document: string;
  domain: { chainId: number; verifyingContract: string };
  records: { recordId: string; message: Record<string, string | number>; digest: Hex; challenge: string }[];
  allowCredentials: { id: string; keyId: Hex }[];
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** An officer with a passkey the admin submitted and the outbox registered; `ready` waits out the delay. */
export async function enrolOfficer(t: TestApp, sub: string, options: { drain: () => Promise<unknown> }): Promise<TestOfficer> {
  const passkey = createPasskey();
  const credentialId = b64(randomBytes(32));
  const admin = await t.auth("admin", "admin-1");
  const res = await t.app.inject({ method: "POST", url: "/v1/officer-keys", headers: admin, payload: { officer: sub, credentialId, publicKey: { x: passkey.x, y: passkey.y }, label: `${sub}'s key` } });
  expect(res.statusCode, res.body).toBe(201);
  expect(res.json()).toMatchObject({ keyId: passkey.keyId, officer: sub, status: "registering" });
  await options.drain();
  return { sub, headers: await t.auth("repair_officer", sub), passkey, credentialId, keyId: passkey.keyId };
}

/** Moves the chain past the admin delay, so registered keys can sign. */
export async function passAdminDelay(chain: TestChain): Promise<void> {
  await chain.increaseTime(chain.deployment.adminDelaySeconds + 1);
}

export async function decisionToSign(t: TestApp, officer: TestOfficer, applicationId: string, outcome: "approved" | "refused", reason?: string, reasonCode?: string): Promise<DecisionToSign> {
  const query = new URLSearchParams({ outcome, ...(reason ? { reason } : {}), ...(reasonCode ? { reasonCode } : {}) });
  const res = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${applicationId}/decision-digest?${query}`, headers: officer.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as DecisionToSign;
}

/** The officer's passkey signs every record's digest, recomputed here as the back office does. */
export function sign(officer: TestOfficer, toSign: DecisionToSign, options: { flags?: number } = {}) {
  return toSign.records.map((r) => {
    const m = r.message;
    const decision: RepairDecision = {
      recordId: m.recordId as Hex,
      applicationId: m.applicationId as Hex,
      outcome: m.outcome as 1 | 2,
      decisionDigest: m.decisionDigest as Hex,
      policyVersion: String(m.policyVersion),
      ruleId: String(m.ruleId),
      nonce: BigInt(m.nonce!),
      deadline: BigInt(m.deadline!),
    };
    const digest = decisionDigest(toSign.domain, decision);
    expect(digest).toBe(r.digest); // never sign a digest the page did not compute itself
    const assertion = officer.passkey.get(challengeOf(digest), { flags: options.flags });
    return {
      recordId: r.recordId,
      nonce: String(m.nonce),
      deadline: String(m.deadline),
      keyId: officer.keyId,
      authenticatorData: b64(assertion.authenticatorData),
      clientDataJSON: b64(assertion.clientDataJSON),
      signature: b64(assertion.signature),
    };
  });
}

/** GET, sign, POST: an officer's whole decision. */
/** A refusal needs `reasonCode`, one of GET /v1/repair-applications/refusal-reasons. */
export async function decide(t: TestApp, officer: TestOfficer, applicationId: string, outcome: "approved" | "refused", reason?: string, reasonCode?: string): Promise<LightMyRequestResponse> {
  const toSign = await decisionToSign(t, officer, applicationId, outcome, reason, reasonCode);
  return postDecision(t, officer, applicationId, { outcome, reason, reasonCode, document: toSign.document, signatures: sign(officer, toSign) });
}

export async function postDecision(t: TestApp, officer: TestOfficer, applicationId: string, body: object): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: "POST", url: `/v1/repair-applications/${applicationId}/decide`, headers: officer.headers, payload: body });
}

/**
 * A serious-list record (two officers must approve its removal), an application for the
 * removal filed at the kiosk after a passed face check, and accepted by `officer`. `n` makes the
 * identifiers unique within a test database.
 */
export async function fileSeriousListApplication(t: TestApp, n: number, officer: TestOfficer) {
  const registrar = await t.auth("registrar", "registrar-1");
  const agency = await t.auth("credit_agency", "agency-1");
  const kiosk = await t.auth("kiosk", "kiosk-01");
  const person = (await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(n), name: "陈大文" } })).json();
  const ent = (await t.app.inject({ method: "POST", url: "/v1/enterprises", headers: registrar, payload: { uscc: uscc(n), name: `佛山市某某${n}号有限公司`, legalRepresentativeId: person.id } })).json();
  const published = await t.app.inject({
    method: "POST",
    url: "/v1/records",
    headers: agency,
    payload: {
      subjectId: ent.id,
      kind: "serious_list",
      severity: "serious",
      decidingUnit: "佛山市禅城区应急管理局",
      decisionNo: `禅应急严失〔2025〕${n}号`,
      decisionDate: "2025-09-01",
      legalBasis: "《安全生产严重失信主体名单管理办法》",
    },
  });
  expect(published.statusCode, published.body).toBe(201);
  const record = published.json();
  expect(record.decisionMode).toBe("two_officers");
  const face = await passedFaceCheck(t.db.pool, { device: "kiosk-01", enterpriseId: ent.id, personId: person.id, now: t.clock.now() });
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/repair-applications",
    headers: kiosk,
    payload: { enterpriseId: ent.id, recordIds: [record.id], applicant: { personId: person.id, capacity: "legal_representative" }, commitment: { version: "cc-2026-04", accepted: true }, faceAssertion: face.assertion },
  });
  expect(filed.statusCode, filed.body).toBe(201);
  const app = filed.json();
  const accepted = await t.app.inject({ method: "POST", url: `/v1/repair-applications/${app.id}/accept`, headers: officer.headers });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return { app, record };
}
