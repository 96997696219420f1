// The API's ledger signatures (./ledger-signatures.ts) in the audit: every signature is
// verified under the published keys, and every entry must be covered by a valid one (carry it
// or come before one: the signed hash covers it through the chain). Pass 1 has already checked
// that chain; a break in it is its own finding. What this adds is the one thing the chain
// cannot show: who appended. Rows a database intruder appended after the head, correctly
// chained, carry no signature of the API's and are named here by their first seq; rows changed
// in the middle with the chain recomputed leave every later signature invalid, and the first
// seq no valid signature covers bounds where the rewrite starts.
import type { LedgerSignatureVerifier } from "./ledger-signatures.ts";
import type { Findings } from "./row-store.ts";

export interface SignedEntry {
  seq: number;
  hash: Uint8Array;
  signature: string;
}

const PARALLEL = 256;

/** The entry that starts signing on a ledger written before signatures (api/src/ledger/adopt.ts). */
export const SIGNING_STARTED = "ledger.signing_started";

/** Signing starts once: a second start means every signature before it was removed. */
export function checkSigningStarts(starts: readonly number[], findings: Findings): void {
  for (const seq of starts.slice(1)) {
    findings.add({
      seq,
      kind: "signing_restarted",
      detail: `seq ${seq} starts ledger signing again (it started at seq ${starts[0]}): the signatures before it were removed from the database`,
    });
  }
}

/** Verifies every signature, adds the findings, and returns the last seq a valid signature covers. */
export async function checkSignatures(
  signed: readonly SignedEntry[],
  lastSeq: number,
  entries: number,
  verifier: LedgerSignatureVerifier,
  findings: Findings,
): Promise<number> {
  let coveredThrough = 0;
  for (let i = 0; i < signed.length; i += PARALLEL) {
    const chunk = signed.slice(i, i + PARALLEL);
    const verdicts = await Promise.all(chunk.map((s) => verifier.verify(s.signature, s.hash)));
    chunk.forEach((s, k) => {
      const verdict = verdicts[k]!;
      if (verdict === "valid") {
        if (s.seq > coveredThrough) coveredThrough = s.seq;
        return;
      }
      const why = {
        invalid: "does not verify under its key: the entry (or an entry before it) was changed after it was signed",
        unknown_key: "names a key that is not among the published ledger keys",
        malformed: "is not a ledger signature (wrong form, algorithm or type)",
      }[verdict];
      findings.add({ seq: s.seq, kind: "bad_signature", detail: `the ledger signature on seq ${s.seq} ${why}` });
    });
  }
  if (entries > 0 && lastSeq > coveredThrough) {
    const first = coveredThrough + 1;
    findings.add({
      seq: first,
      kind: "unsigned",
      detail:
        `seq ${first}..${lastSeq} (${lastSeq - coveredThrough} entries) are covered by no valid ledger signature: ` +
        (coveredThrough === 0 ? "no entry carries one" : `the last valid one is on seq ${coveredThrough}`) +
        "; entries the API appends are always signed, so these were written into the database by something else",
    });
  }
  return coveredThrough;
}
