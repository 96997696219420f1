// Who may file a repair application for a credit subject (an enterprise, or a person for
// themself), decided here and only here, for every
// configuration of the app: the repair feature calls it inside its filing transaction
// (app.face.verifyApplicantAssertion) and cannot be registered without the face feature.
//   - a kiosk device files for an applicant whose face passed a check on that same device,
//     for that subject and in that capacity (a person applying for themself: their own face, for
//     their own subject id, capacity self): the single-use assertion is consumed in the
//     filing transaction, so a refused or rolled-back application does not burn it;
//   - a repair officer files at the counter (channel officer_assisted): the officer has the
//     applicant's identity document and authorisation in front of them;
//   - no other role files at all.
import type { Operator } from "../auth/operators.ts";
import type { Queryable } from "../db/database.ts";
import { forbidden, ProblemError } from "../errors.ts";
import { consumeFaceAssertion, type Capacity } from "./assertion.ts";

export type FilingChannel = "kiosk" | "officer_assisted";

export interface ApplicantAssertionInput {
  /** The operator filing the application (the kiosk device, or the officer at the counter). */
  operator: Operator;
  /** The credit subject applied for: the enterprise, or the applicant themself (capacity self). */
  subjectId: string;
  personId: string;
  capacity: Capacity;
  /** The single-use assertion from a passed face check, as the kiosk sent it (absent when not sent). */
  faceAssertion: string | undefined;
  /** What consumes the assertion (the repair application's id): recorded as face_assertions.used_for. */
  usedFor?: string;
}

export interface ApplicantCheck {
  channel: FilingChannel;
  /** The passed face attempt (face_attempts.id) behind a kiosk application; null at the counter. */
  faceAttempt: number | null;
}

/**
 * Refuses (throws a 403 ProblemError) unless this operator may file for this applicant now:
 * face_assertion_required, face_assertion_invalid, face_assertion_used, face_assertion_expired,
 * face_assertion_mismatch, applicant_not_authorised (./assertion.ts), role_forbidden.
 * Returns the channel the application is filed through; never returns without a decision.
 */
export async function verifyApplicantAssertion(client: Queryable, input: ApplicantAssertionInput, now: Date): Promise<ApplicantCheck> {
  switch (input.operator.role) {
    case "kiosk": {
      if (!input.faceAssertion) {
        throw new ProblemError(403, "face_assertion_required", "Forbidden", "An application from a kiosk needs a passed face check.");
      }
      const consumed = await consumeFaceAssertion(client, {
        assertion: input.faceAssertion,
        personId: input.personId,
        // The session of a person applying for themself holds their own id as the subject.
        enterpriseId: input.subjectId,
        capacity: input.capacity,
        device: input.operator.sub,
        usedFor: input.usedFor,
        now,
      });
      return { channel: "kiosk", faceAttempt: consumed.attemptId };
    }
    case "repair_officer":
      return { channel: "officer_assisted", faceAttempt: null };
    default:
      throw forbidden("role_forbidden", "Only a kiosk or a repair officer at the counter files repair applications");
  }
}
