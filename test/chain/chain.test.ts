// The outbox and the anchors against a real EVM (anvil, the real contracts) and real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { enqueueChainWrite, listOutbox } from "../../api/src/chain/outbox.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";
import { createAnchorWorker } from "../../api/src/ledger/anchor-worker.ts";
import { leafHash, verifyInclusion } from "../../protocol/ledger/merkle.ts";
import { fromHex } from "../../protocol/bytes.ts";
import { chainIssuedCodes, expectAnchorsExactlyOnce } from "../helpers/chain-events.ts";
import { personId, uscc } from "../helpers/identifiers.ts";

describe.each([["server", false], ["embedded", true]] as const)("outbox and anchors on a real chain (%s database)", (_mode, embedded) => {
  let chain: TestChain;
  let t: TestApp;
  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ embedded, chain: chain.chain, clock: undefined });
  });
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  it("issues every enrolled subject's code on chain in batches and anchors every entry with a verifiable proof", async () => {
    const headers = await t.auth("registrar");
    const ids: Array<{ id: string; codeId: string; commitment: string }> = [];
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers, payload: { idNumber: personId(100 + i), name: "陈大文" } });
      expect(res.statusCode).toBe(201);
      ids.push(res.json());
    }
    const ent = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers, payload: { uscc: uscc(100), name: "佛山市禅城区某某有限公司", legalRepresentativeId: ids[0]!.id } });
    expect(ent.statusCode).toBe(201);

    const outbox = createOutboxWorker(t.ctx);
    const round = await outbox.runOnce();
    expect(round.done).toBe(26);
    // 26 consecutive issues fit one issueCodes transaction
    expect(round.sent).toBe(1);
    const rows = await listOutbox(t.db.pool);
    expect(rows.every((r) => r.status === "done" && r.txHash && r.blockNumber)).toBe(true);

    for (const s of [...ids, ent.json()]) {
      const subject = (await t.db.pool.query("SELECT commitment FROM subjects WHERE id = $1", [s.id])).rows[0].commitment as Buffer;
      const [codeId, kind, status] = await chain.chain.codeRegistry.getFunction("codeOf")(`0x${subject.toString("hex")}`);
      expect(String(codeId).toLowerCase()).toBe(`0x${s.codeId}`);
      expect(Number(status)).toBe(1);
      expect(Number(kind)).toBe(s === ids[0] || ids.includes(s) ? 1 : 2);
    }
    const view = await t.app.inject({ method: "GET", url: `/v1/subjects/${ids[3]!.id}`, headers });
    expect(view.json().code.onChain).toBe(true);

    const auditor = await t.auth("auditor");
    const early = await t.app.inject({ method: "GET", url: "/v1/ledger/entries/5/proof", headers: auditor });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe("not_yet_anchored");

    const anchor = createAnchorWorker(t.ctx);
    expect(await anchor.runOnce()).toBe(1);
    expect(await expectAnchorsExactlyOnce(chain.chain, t.db.pool)).toBe(1);

    for (const seq of [1, 5, 52]) {
      const entry = (await t.app.inject({ method: "GET", url: `/v1/ledger/entries/${seq}`, headers: auditor })).json();
      const res = await t.app.inject({ method: "GET", url: `/v1/ledger/entries/${seq}/proof`, headers: auditor });
      expect(res.statusCode).toBe(200);
      const p = res.json();
      expect(p.entryHash).toBe(entry.hash);
      expect(p.batchSize).toBe(52);
      expect(verifyInclusion(p.indexInBatch, p.batchSize, leafHash(fromHex(entry.hash)), p.proof.map(fromHex), fromHex(p.root))).toBe(true);
      // a tampered proof fails
      expect(verifyInclusion(p.indexInBatch, p.batchSize, leafHash(fromHex(entry.prevHash)), p.proof.map(fromHex), fromHex(p.root))).toBe(false);
      expect(p.anchor.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    }
    const missing = await t.app.inject({ method: "GET", url: "/v1/ledger/entries/9999/proof", headers: auditor });
    expect(missing.statusCode).toBe(404);
    const list = await t.app.inject({ method: "GET", url: "/v1/anchors", headers: auditor });
    expect(list.json().anchors).toHaveLength(1);
    expect(list.json().anchors[0]).toMatchObject({ index: 1, fromSeq: 1, toSeq: 52, status: "confirmed" });
  });

  it("re-running done rows never applies them twice", async () => {
    const before = (await chainIssuedCodes(chain.chain)).length;
    await t.db.pool.query("UPDATE chain_outbox SET status = 'pending', attempts = 0, tx_hash = NULL, raw_tx = NULL, nonce = NULL");
    const again = await createOutboxWorker(t.ctx).runOnce();
    expect(again.failed).toBe(0);
    expect(again.sent, JSON.stringify(await listOutbox(t.db.pool))).toBe(0);
    const rows = await listOutbox(t.db.pool);
    expect(rows.every((r) => r.status === "done")).toBe(true);
    expect((await chainIssuedCodes(chain.chain)).length).toBe(before);
  });

  it("a permanent revert fails that write with the contract's reason and the queue moves on", async () => {
    const stranger = `0x${"ab".repeat(32)}`;
    const subjectOf = async (i: number) => (await t.db.pool.query("SELECT s.commitment, c.code_id FROM subjects s JOIN codes c ON c.subject_id = s.id ORDER BY s.created_at, s.id OFFSET $1 LIMIT 1", [i])).rows[0];
    const s = await subjectOf(1);
    const [bad, good] = await withTransaction(t.db.pool, async (c) => [
      await enqueueChainWrite(c, { kind: "code.suspend", subject: stranger, codeId: `0x${"01".repeat(16)}` }),
      await enqueueChainWrite(c, { kind: "code.suspend", subject: `0x${s.commitment.toString("hex")}`, codeId: `0x${s.code_id}` }),
    ]);
    await createOutboxWorker(t.ctx).runOnce();
    const rows = await listOutbox(t.db.pool);
    const badRow = rows.find((r) => r.id === bad)!;
    expect(badRow.status).toBe("failed");
    expect(badRow.error).toMatch(/RegistryUnknownSubject/);
    expect(rows.find((r) => r.id === good)!.status).toBe("done");
    const [, , status] = await chain.chain.codeRegistry.getFunction("codeOf")(`0x${s.commitment.toString("hex")}`);
    expect(Number(status)).toBe(2);
  });

  it("recovers after a crash between storing and broadcasting, and between broadcasting and marking", async () => {
    const rows = (await t.db.pool.query("SELECT s.commitment, c.code_id FROM subjects s JOIN codes c ON c.subject_id = s.id AND c.status = 'active' ORDER BY s.id LIMIT 3")).rows;
    const writes = rows.map((r) => ({ kind: "code.revoke" as const, subject: `0x${r.commitment.toString("hex")}`, codeId: `0x${r.code_id}` }));
    const ids = await withTransaction(t.db.pool, async (c) => Promise.all(writes.map((w) => enqueueChainWrite(c, w))));
    const c = chain.chain;
    // What the worker does before broadcasting, then "crash": row 0 stored but never broadcast,
    // row 1 broadcast but never marked. Row 2 is left pending.
    const fees = await c.sender.fees();
    for (const [k, id] of ids.slice(0, 2).entries()) {
      const data = c.codeRegistry.interface.encodeFunctionData("revokeCode", [writes[k]!.subject, writes[k]!.codeId]);
      const tx = await c.sender.sign(c.signers.registrar, { to: c.codeRegistry.target as string, data, gasLimit: 200_000n }, fees);
      await t.db.pool.query("UPDATE chain_outbox SET status = 'sent', attempts = 1, signer = $2, nonce = $3, tx_hash = $4, raw_tx = $5 WHERE id = $1", [id, tx.from, tx.nonce, tx.hash, tx.raw]);
      if (k === 1) {
        // nonce k=0 was never broadcast: this one waits behind it in the node's queue
        await c.sender.broadcast(tx);
      }
    }
    c.sender.resetNonce();
    const revokedBefore = (await c.codeRegistry.queryFilter(c.codeRegistry.filters.CodeRevoked!(), 0)).length;
    const round = await createOutboxWorker(t.ctx).runOnce();
    expect(round.failed).toBe(0);
    const after = await listOutbox(t.db.pool);
    for (const id of ids) expect(after.find((r) => r.id === id)!.status).toBe("done");
    expect((await c.codeRegistry.queryFilter(c.codeRegistry.filters.CodeRevoked!(), 0)).length).toBe(revokedBefore + 3);
  });
});
