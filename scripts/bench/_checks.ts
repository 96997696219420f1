// The checks after a benchmark or fault run: every ledger entry anchored exactly once,
// every chain write applied exactly once, the hash chain whole, every enrolment all or
// nothing; and what is still left to do (open chain writes, unanchored entries).
import pg from "pg";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { batchRoot, entryHashes } from "../../api/src/ledger/anchor.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";

export interface AnchorAudit {
  /** Entries in the ledger (ledger_head.seq). */
  entries: number;
  /** Anchors in the database, all confirmed. */
  anchors: number;
  /** BatchAnchored events on chain. */
  events: number;
  /** Problems found; empty when every entry is anchored exactly once. */
  problems: string[];
}

/**
 * Every ledger entry anchored exactly once: database anchors contiguous 1..N covering
 * 1..head with no overlap, each root re-derived from the entries, and the chain's
 * BatchAnchored events exactly the same list (index 1..N once each, same ranges, roots,
 * heads), with the contract's nextSeq right after the last entry.
 */
export async function auditAnchors(pool: pg.Pool, chain: ChainClient): Promise<AnchorAudit> {
  const problems: string[] = [];
  const head = Number((await pool.query<{ seq: number }>("SELECT seq FROM ledger_head")).rows[0]!.seq);
  const rows = (
    await pool.query<{ idx: number; from_seq: number; to_seq: number; root: Buffer; head: Buffer; status: string }>(
      "SELECT idx, from_seq, to_seq, root, head, status FROM anchors ORDER BY idx",
    )
  ).rows;
  let expectFrom = 1;
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i]!;
    if (a.idx !== i + 1) problems.push(`anchor index ${a.idx} at position ${i + 1}`);
    if (a.from_seq !== expectFrom) problems.push(`anchor ${a.idx} starts at ${a.from_seq}, expected ${expectFrom}`);
    if (a.status !== "confirmed") problems.push(`anchor ${a.idx} is ${a.status}`);
    const root = batchRoot(await entryHashes(pool, a.from_seq, a.to_seq));
    if (!root.equals(a.root)) problems.push(`anchor ${a.idx} root differs from the entries`);
    expectFrom = a.to_seq + 1;
  }
  if (expectFrom - 1 !== head) problems.push(`anchors cover 1..${expectFrom - 1} but the ledger has ${head} entries`);

  const events = await chain.creditLedger.queryFilter(chain.creditLedger.filters.BatchAnchored!(), chain.deployment.deployedAt);
  const seen = new Map<number, number>();
  for (const ev of events as unknown as Array<{ args: { index: bigint; fromSeq: bigint; toSeq: bigint; root: string; head: string } }>) {
    const idx = Number(ev.args.index);
    seen.set(idx, (seen.get(idx) ?? 0) + 1);
    const a = rows[idx - 1];
    if (!a) {
      problems.push(`chain has anchor ${idx} that the database lacks`);
      continue;
    }
    if (Number(ev.args.fromSeq) !== a.from_seq || Number(ev.args.toSeq) !== a.to_seq) {
      problems.push(`anchor ${idx}: chain ${ev.args.fromSeq}..${ev.args.toSeq}, database ${a.from_seq}..${a.to_seq}`);
    }
    if (ev.args.root.toLowerCase() !== `0x${a.root.toString("hex")}`) problems.push(`anchor ${idx}: root differs on chain`);
    if (ev.args.head.toLowerCase() !== `0x${a.head.toString("hex")}`) problems.push(`anchor ${idx}: head differs on chain`);
  }
  for (const [idx, n] of seen) if (n !== 1) problems.push(`anchor ${idx} appears ${n} times on chain`);
  for (let i = 1; i <= rows.length; i++) {
    if (seen.has(i)) continue;
    // Say what the node still knows of the transaction the database recorded.
    const a = (await pool.query<{ tx_hash: string | null; block_number: number | null }>("SELECT tx_hash, block_number FROM anchors WHERE idx = $1", [i])).rows[0];
    const receipt = a?.tx_hash ? await chain.provider.getTransactionReceipt(a.tx_hash).catch(() => null) : null;
    const block = a?.block_number != null ? await chain.provider.getBlock(a.block_number).catch(() => null) : null;
    problems.push(
      `anchor ${i} missing on chain (tx ${a?.tx_hash ?? "none"} in block ${a?.block_number ?? "?"}: ` +
        `receipt ${receipt ? `found, ${receipt.logs.length} logs` : "not found"}, block ${block ? `has ${block.transactions.length} txs` : "not found"})`,
    );
  }
  const nextSeq = Number(await chain.creditLedger.getFunction("nextSeq")());
  if (nextSeq !== head + 1) problems.push(`chain nextSeq ${nextSeq}, expected ${head + 1}`);
  return { entries: head, anchors: rows.length, events: events.length, problems };
}

export interface CodeAudit {
  /** Codes in the database. */
  codes: number;
  /** CodeIssued events on chain. */
  issuedEvents: number;
  /** Outbox rows not done. */
  open: number;
  failed: number;
  problems: string[];
}

/**
 * Every code issue applied on chain exactly once: one CodeIssued event per code row
 * (matched by code id), no event for a code the database lacks, no outbox row left
 * open or failed, and every code row carries the transaction that issued it.
 */
export async function auditCodes(pool: pg.Pool, chain: ChainClient): Promise<CodeAudit> {
  const problems: string[] = [];
  const codes = (await pool.query<{ code_id: string }>("SELECT code_id FROM codes")).rows.map((r) => `0x${r.code_id}`);
  const outbox = (
    await pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM chain_outbox GROUP BY status")
  ).rows;
  const count = (s: string) => outbox.find((r) => r.status === s)?.n ?? 0;
  const open = count("pending") + count("sent");
  const failed = count("failed");
  if (open) problems.push(`${open} outbox rows still open`);
  if (failed) problems.push(`${failed} outbox rows failed`);
  const issueRows = Number((await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE kind = 'code.issue'")).rows[0]!.n);
  const registry = chain.codeRegistry;
  const filter = registry.filters.CodeIssued!();
  const latest = await chain.provider.getBlockNumber();
  const seen = new Map<string, number>();
  let issuedEvents = 0;
  // Scan in slices of about 10,000 events, sized from the last slice: ethers reads an HTTP
  // answer by copying it whole for every chunk (quadratic), so the one eth_getLogs answer
  // for a million events (1-s blocks of 3,200 codes) did not finish in 20 minutes.
  let step = 4;
  for (let from = chain.deployment.deployedAt; from <= latest; ) {
    const to = Math.min(latest, from + step - 1);
    const events = await registry.queryFilter(filter, from, to);
    for (const ev of events as unknown as Array<{ args: { codeId: string } }>) {
      issuedEvents++;
      const id = ev.args.codeId.toLowerCase();
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    from = to + 1;
    // At most double: empty blocks (the deployment's) say nothing about the ones after them.
    step = Math.max(1, Math.min(2000, step * 2, Math.floor((step * 10_000) / Math.max(events.length, 1))));
  }
  const codeSet = new Set(codes);
  for (const [id, n] of seen) {
    if (n !== 1) problems.push(`code ${id} issued ${n} times on chain`);
    if (!codeSet.has(id)) problems.push(`code ${id} on chain but not in the database`);
  }
  let missing = 0;
  for (const id of codes) if (!seen.has(id)) missing++;
  if (missing) problems.push(`${missing} codes never issued on chain`);
  if (issueRows !== codes.length) problems.push(`${issueRows} code.issue outbox rows for ${codes.length} codes`);
  return { codes: codes.length, issuedEvents, open, failed, problems };
}


/**
 * The hash chain re-derived from the first entry to the head: gap-free sequence numbers,
 * each prev_hash the hash before it, each hash recomputed, and ledger_head at the last entry.
 */
export async function verifyLedgerChain(pool: pg.Pool): Promise<{ entries: number; problems: string[] }> {
  const problems: string[] = [];
  let prev: Buffer = Buffer.alloc(32);
  let expect = 1;
  for (;;) {
    const rows = (
      await pool.query<{ seq: number; type: string; payload: string; subject_ref: string | null; actor: string; created_at: Date; prev_hash: Buffer; hash: Buffer }>(
        "SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash, hash FROM ledger WHERE seq >= $1 ORDER BY seq LIMIT 5000",
        [expect],
      )
    ).rows;
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== expect) problems.push(`gap: expected seq ${expect}, found ${r.seq}`);
      if (!r.prev_hash.equals(prev)) problems.push(`seq ${r.seq}: prev_hash does not link to the entry before`);
      const h = Buffer.from(entryHash(prev, { seq: r.seq, type: r.type, payload: r.payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() }));
      if (!h.equals(r.hash)) problems.push(`seq ${r.seq}: hash does not match the entry`);
      prev = r.hash;
      expect = r.seq + 1;
      if (problems.length > 20) return { entries: expect - 1, problems };
    }
  }
  const head = (await pool.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger_head")).rows[0]!;
  if (head.seq !== expect - 1) problems.push(`ledger_head at ${head.seq}, last entry ${expect - 1}`);
  else if (expect > 1 && !head.hash.equals(prev)) problems.push("ledger_head hash differs from the last entry");
  return { entries: expect - 1, problems };
}

/**
 * Enrolment is all or nothing: every subject has exactly one code, one 'subject.enrolled'
 * and one 'code.issued' entry and one code.issue outbox row; no code, entry or outbox row
 * exists without its subject.
 */
export async function verifyEnrolments(pool: pg.Pool): Promise<{ subjects: number; problems: string[] }> {
  const problems: string[] = [];
  const q = async (sql: string) => Number((await pool.query<{ n: number }>(sql)).rows[0]!.n);
  const subjects = await q("SELECT count(*)::int AS n FROM subjects");
  const checks: Array<[string, string]> = [
    ["subjects without exactly one code", "SELECT count(*)::int AS n FROM subjects s WHERE (SELECT count(*) FROM codes c WHERE c.subject_id = s.id) <> 1"],
    ["codes without a code.issued entry", "SELECT count(*)::int AS n FROM codes c WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.type = 'code.issued' AND l.subject_ref = c.code_id)"],
    ["subjects without a subject.enrolled entry", "SELECT count(*)::int AS n FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.type = 'subject.enrolled' AND l.subject_ref = encode(s.commitment, 'hex'))"],
    ["subject.enrolled entries without a subject", "SELECT count(*)::int AS n FROM ledger l WHERE l.type = 'subject.enrolled' AND NOT EXISTS (SELECT 1 FROM subjects s WHERE encode(s.commitment, 'hex') = l.subject_ref)"],
    ["code.issued entries without a code", "SELECT count(*)::int AS n FROM ledger l WHERE l.type = 'code.issued' AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.code_id = l.subject_ref)"],
    ["codes without a code.issue outbox row", "SELECT count(*)::int AS n FROM codes c WHERE NOT EXISTS (SELECT 1 FROM chain_outbox o WHERE o.kind = 'code.issue' AND o.payload->>'codeId' = '0x' || c.code_id)"],
    ["code.issue outbox rows without a code", "SELECT count(*)::int AS n FROM chain_outbox o WHERE o.kind = 'code.issue' AND NOT EXISTS (SELECT 1 FROM codes c WHERE '0x' || c.code_id = o.payload->>'codeId')"],
  ];
  for (const [what, sql] of checks) {
    const n = await q(sql);
    if (n) problems.push(`${n} ${what}`);
  }
  return { subjects, problems };
}

// ---------------------------------------------------------------- what is left to do

/** Chain writes not done yet (pending or sent). */
export async function openChainWrites(pool: pg.Pool): Promise<number> {
  return Number((await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE status IN ('pending', 'sent')")).rows[0]!.n);
}

/** Ledger entries after the last confirmed anchor. */
export async function unanchoredEntries(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ n: number }>("SELECT (SELECT seq FROM ledger_head) - COALESCE((SELECT max(to_seq) FROM anchors WHERE status = 'confirmed'), 0) AS n");
  return Number(r.rows[0]!.n);
}

/**
 * Waits until every entry is anchored and (unless `anchorsOnly`) no chain write is open;
 * returns the seconds it took. After `timeoutMs` it throws, adding `context()` (a child's
 * output) to the message.
 */
export async function waitForDrain(pool: pg.Pool, options: { timeoutMs: number; anchorsOnly?: boolean; context?: () => string }): Promise<number> {
  const started = performance.now();
  for (;;) {
    const open = options.anchorsOnly ? 0 : await openChainWrites(pool);
    const unanchored = await unanchoredEntries(pool);
    if (open === 0 && unanchored <= 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > options.timeoutMs) {
      throw new Error(`not drained in ${options.timeoutMs / 1000} s: ${open} open chain writes, ${unanchored} unanchored entries\n${options.context?.() ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
