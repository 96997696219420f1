// The subject_ref of a ledger entry: what the entry is about, so that a search finds it.
// An entry about a subject names it by its commitment, in one canonical form: lower-case
// hex without 0x (protocol/bytes.ts toHex), the form of the subjects' own entries, of the
// export and of the commitment the enrolment answer carries. Code entries name the code id
// (also bare hex). Credit and repair entries written before this rule spelled the commitment
// with 0x; entries are immutable, so those keep their form and a search looks for both.
import { toHex } from "../../../protocol/bytes.ts";

/** The subject_ref of a new entry about the subject with this commitment. */
export function subjectRef(commitment: Uint8Array): string {
  return toHex(commitment);
}

/**
 * The spellings under which entries about `ref` may be stored: `ref` itself and, when it is
 * hex (with or without 0x, any case), its bare lower-case form and the older 0x form.
 */
export function subjectRefForms(ref: string): string[] {
  const text = ref.trim();
  const bare = text.toLowerCase().replace(/^0x/, "");
  if (bare.length === 0 || !/^[0-9a-f]+$/.test(bare)) return [text];
  return [...new Set([text, bare, `0x${bare}`])];
}
