// An officer's refusal through the HTTP API: the reason is a code from
// GET /v1/repair-applications/refusal-reasons, the note optional (test/helpers/officers.ts
// signs; this asks for the refusal's document with its code).
import { expect } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import type { DecisionToSign, TestOfficer } from "../helpers/officers.ts";

export async function refusalToSign(t: TestApp, officer: TestOfficer, applicationId: string, reasonCode: string, note?: string): Promise<DecisionToSign> {
  const query = new URLSearchParams({ outcome: "refused", reasonCode, ...(note ? { reason: note } : {}) });
  const res = await t.app.inject({ method: "GET", url: `/v1/repair-applications/${applicationId}/decision-digest?${query}`, headers: officer.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as DecisionToSign;
}
