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

export async function decisionToSign(t: TestApp, officer: TestOfficer, applicationId: string, outcome: "approved" | "refused", reason?: string): Promise<DecisionToSign> {
  const query = new URLSearchParams({ outcome, ...(reason ? { reason } : {}) });
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
export async function decide(t: TestApp, officer: TestOfficer, applicationId: string, outcome: "approved" | "refused", reason?: string): Promise<LightMyRequestResponse> {
  const toSign = await decisionToSign(t, officer, applicationId, outcome, reason);
  return postDecision(t, officer, applicationId, { outcome, reason, document: toSign.document, signatures: sign(officer, toSign) });
}

export async function postDecision(t: TestApp, officer: TestOfficer, applicationId: string, body: object): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: "POST", url: `/v1/repair-applications/${applicationId}/decide`, headers: officer.headers, payload: body });
}
