// Fault: the anchoring worker is killed with SIGKILL in the middle of a batch (the batch
// sealed in the database and its transaction broadcast, not yet confirmed), again and
// again while entries keep arriving; after each restart it resumes from the chain's
// own state. In the end every ledger entry is anchored exactly once: database anchors
// contiguous 1..N, the chain's BatchAnchored events the same list with no duplicate.
// Real parts: PostgreSQL server, anvil (1 s blocks, so a batch stays in flight long
// enough to be caught), the worker in a child process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntries } from "../../api/src/ledger/append.ts";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { auditAnchors, sleep, startFaultStack, startWorker, waitForDrain, type BenchDatabase, type Child, type FaultStack } from "../../scripts/bench/_stack.ts";

const CRASHES = 4;

let stack: FaultStack;
let db: BenchDatabase;
let client: ChainClient;

let appended = 0;
async function append(n: number, tag: string): Promise<void> {
  appended += n;
  await withTransaction(db.pool, (c) =>
    appendEntries(
      c,
      Array.from({ length: n }, (_, i) => ({ type: "fault.anchor_crash", payload: { tag, i }, actor: "system:fault-test" })),
    ),
  );
}

/** The last anchor's state, and whether the chain already took it. */
async function inFlight(): Promise<{ idx: number; status: string; toSeq: number } | null> {
  const r = await db.pool.query<{ idx: number; status: string; to_seq: number }>("SELECT idx, status, to_seq FROM anchors ORDER BY idx DESC LIMIT 1");
  const a = r.rows[0];
  return a ? { idx: a.idx, status: a.status, toSeq: a.to_seq } : null;
}

beforeAll(async () => {
  stack = await startFaultStack({
    name: "anchor",
    chain: { blockTime: 1 },
    extra: { ANCHOR_INTERVAL_MS: "100", ANCHOR_MAX_BATCH: "40", OUTBOX_POLL_MS: "200", WORKERS: "anchor" },
  });
  db = stack.db;
  client = stack.chain.client();
});

afterAll(async () => {
  await stack?.close();
});

describe("kill -9 of the anchoring worker in the middle of a batch", () => {
  it("anchors every entry exactly once after repeated crashes", { timeout: 150_000 }, async () => {
    await append(30, "before");
    const crashes: Array<{ idx: number; status: string; minedBeforeKill: boolean }> = [];
    let worker: Child | null = null;
    try {
      for (let k = 0; k < CRASHES; k++) {
        worker = await startWorker(stack.env);
        // More entries while the worker runs: the next batch is open when it dies.
        await append(25 + k * 7, `round-${k}`);
        const lastKilled = crashes[crashes.length - 1]?.idx ?? 0;
        const until = Date.now() + 30_000;
        // Even rounds: kill as soon as a batch is sealed and broadcast. Odd rounds: kill
        // once the chain has mined it but the worker has not yet recorded it (the
        // restarted worker must find it on chain, not send it again).
        const wantMined = k % 2 === 1;
        let caught: { idx: number; status: string; toSeq: number } | null = null;
        let lastAppend = Date.now();
        while (Date.now() < until) {
          const a = await inFlight();
          if (a && a.status === "sent" && a.idx > lastKilled) {
            const mined = Number(await client.creditLedger.getFunction("nextSeq")()) > a.toSeq;
            if (mined === wantMined && (await inFlight())?.status === "sent") {
              caught = a;
              break;
            }
          }
          if (Date.now() - lastAppend > 300) {
            await append(3, `trickle-${k}`); // keeps batches coming until the moment is caught
            lastAppend = Date.now();
          }
          await sleep(wantMined ? 2 : 5);
        }
        expect(caught, `round ${k}: the worker never had a batch in flight`).not.toBeNull();
        await worker.kill9();
        const nextSeq = Number(await client.creditLedger.getFunction("nextSeq")());
        crashes.push({ idx: caught!.idx, status: caught!.status, minedBeforeKill: nextSeq > caught!.toSeq });
        // The killed batch is still 'sent' in the database: nothing confirmed it.
        const after = await inFlight();
        expect(after?.idx).toBe(caught!.idx);
        expect(after?.status).toBe("sent");
        // Entries keep arriving while no worker runs.
        await append(11, `down-${k}`);
      }
      // A last restart drains everything.
      await append(17, "final");
      const last = (worker = await startWorker(stack.env));
      await waitForDrain(db.pool, { timeoutMs: 60_000, anchorsOnly: true, context: () => last.output().slice(-3000) });
      await worker.stop();
    } finally {
      await worker?.kill9();
    }

    const audit = await auditAnchors(db.pool, client);
    console.log(
      `anchor crash: ${crashes.length} kills (${crashes.map((c) => `#${c.idx}${c.minedBeforeKill ? " mined" : " unmined"}`).join(", ")}); ` +
        `${audit.entries} entries in ${audit.anchors} anchors, ${audit.events} BatchAnchored events`,
    );
    expect(crashes).toHaveLength(CRASHES);
    expect(audit.problems).toEqual([]);
    expect(audit.entries).toBe(appended);
    expect(crashes.filter((c) => c.minedBeforeKill).length).toBeGreaterThanOrEqual(1);
    expect(audit.events).toBe(audit.anchors);
    // No anchorBatch transaction of ours reverted: a resend after a crash was never a double.
    const events = audit.events;
    expect(events).toBeGreaterThanOrEqual(CRASHES + 1);

    // The check can fail: one more anchor on chain that the database does not have is caught.
    const wallet = client.signers.anchorer;
    const chainHead = String(await client.creditLedger.getFunction("head")());
    const data = client.creditLedger.interface.encodeFunctionData("anchorBatch", [audit.entries + 1, audit.entries + 1, `0x${"ab".repeat(32)}`, chainHead]);
    const tx = await wallet.sendTransaction({ to: client.creditLedger.target as string, data });
    await tx.wait();
    const tampered = await auditAnchors(db.pool, client);
    expect(tampered.problems.join("; ")).toMatch(/chain has anchor \d+ that the database lacks/);
  });
});
