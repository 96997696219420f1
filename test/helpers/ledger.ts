// Re-derives the hash chain of the ledger from its rows: the auditor's check, for tests.
import type { Queryable } from "../../api/src/db/database.ts";
import { entryHash, GENESIS_HASH } from "../../protocol/ledger/entry.ts";

/** Returns the number of entries; throws at the first entry whose hash does not follow. */
export async function verifyChain(client: Queryable): Promise<number> {
  const rows = (await client.query("SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash, hash FROM ledger ORDER BY seq")).rows;
  let prev: Uint8Array = GENESIS_HASH;
  for (const [i, r] of rows.entries()) {
    if (r.seq !== i + 1) throw new Error(`gap at ${i + 1}`);
    const h = entryHash(prev, { seq: r.seq, type: r.type, payload: r.payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() });
    if (!Buffer.from(h).equals(r.hash) || !Buffer.from(prev).equals(r.prev_hash)) throw new Error(`entry ${r.seq} does not chain`);
    prev = h;
  }
  return rows.length;
}
