// The hook through which a kiosk-originated application proves that the applicant
// passed the face check. It is a NO-OP until a verifier is configured for the app
// context: the face/kiosk feature registers one with setApplicantAssertionVerifier,
// and from then on every application runs through it inside the filing transaction
// (so a single-use assertion can be consumed in that same transaction).
import type { AppContext } from "../context.ts";
import type { Queryable } from "../db/database.ts";
import type { Operator } from "../auth/operators.ts";

export interface ApplicantAssertionInput {
  channel: "kiosk" | "officer_assisted";
  operator: Operator;
  enterpriseId: string;
  personId: string;
  capacity: "legal_representative" | "authorised_agent";
  /** The single-use assertion from a passed face check, as the kiosk sent it (absent when not sent). */
  faceAssertion: string | undefined;
}

/** Throws a ProblemError (e.g. 401/403/422) to refuse the application; returns to accept it. */
export type ApplicantAssertionVerifier = (client: Queryable, input: ApplicantAssertionInput) => Promise<void>;

const verifiers = new WeakMap<AppContext, ApplicantAssertionVerifier>();

export function setApplicantAssertionVerifier(ctx: AppContext, verifier: ApplicantAssertionVerifier | null): void {
  if (verifier) verifiers.set(ctx, verifier);
  else verifiers.delete(ctx);
}

export async function verifyApplicantAssertion(ctx: AppContext, client: Queryable, input: ApplicantAssertionInput): Promise<void> {
  const verifier = verifiers.get(ctx);
  if (!verifier) return;
  await verifier(client, input);
}
