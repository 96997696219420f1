// A passed face check as the face feature records it (a kiosk session bound to the applicant,
// a passed attempt, a single-use assertion), for tests about what comes after the check:
// the repair rules, the applicant check. The face check itself (camera frames, the real
// engine, the reference) is tested through its route in test/kiosk/face-api.test.ts.
import type { Queryable } from "../../api/src/db/database.ts";
import { issueAssertion, type Capacity } from "../../api/src/face/assertion.ts";
import { createFaceRepository } from "../../api/src/face/repository.ts";
import { createSession, endSession } from "../../api/src/face/session.ts";

export interface PassedCheck {
  assertion: string;
  sessionId: string;
}

export async function passedFaceCheck(
  db: Queryable,
  input: { device: string; enterpriseId: string; personId: string; capacity?: Capacity; now: Date },
): Promise<PassedCheck> {
  const capacity = input.capacity ?? "legal_representative";
  const face = createFaceRepository(db);
  // An agent is checked under the authorisation the kiosk found for them.
  const authorisationId =
    capacity === "authorised_agent" ? (await face.validAuthorisation({ enterpriseId: input.enterpriseId, agentId: input.personId, at: input.now }))?.id : null;
  if (authorisationId === undefined) throw new Error("no valid authorisation: a kiosk cannot identify this agent");
  const session = await createSession(db, { device: input.device, now: input.now, ttlSeconds: 15 * 60 });
  await face.bindApplicant(session.id, { enterpriseId: input.enterpriseId, personId: input.personId, capacity, authorisationId });
  const attemptId = await face.insertAttempt({
    sessionId: session.id,
    personId: input.personId,
    verdict: "passed",
    reason: null,
    challenge: "right",
    distance: 0.4,
    antispoof: 0.8,
    liveness: 0.9,
    frames: 12,
    at: input.now,
  });
  const { assertion } = await issueAssertion(db, {
    sessionId: session.id,
    personId: input.personId,
    enterpriseId: input.enterpriseId,
    capacity,
    authorisationId,
    nonce: session.nonce,
    attemptId,
    now: input.now,
    ttlSeconds: 5 * 60,
  });
  return { assertion, sessionId: session.id };
}

/** Ends the kiosk session of a check (the idle timer, the finish button). */
export async function endFaceSession(db: Queryable, check: PassedCheck, device: string, now: Date): Promise<void> {
  await endSession(db, { sessionId: check.sessionId, device, now });
}
