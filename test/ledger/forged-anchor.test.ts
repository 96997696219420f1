// Must show (issue 15): an entry appended, or edited with the hash chain recomputed, directly in
// PostgreSQL is refused by the anchoring worker (never sealed, raised on /readyz and /metrics)
// and reported by `npm run audit` with its sequence number. Real PostgreSQL, anvil with the real
// CreditLedger, the audit command as a child process reading the chain itself.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnchorWorker } from "../../api/src/ledger/anchor-worker.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";
import type { Finding } from "../../protocol/audit/report.ts";
import { writeDeployment } from "../../scripts/lib/deployment.ts";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { personId } from "../helpers/identifiers.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

describe("entries a database intruder wrote", () => {
  let chain: TestChain;
  let t: TestApp;
  let address: string;
  let dir: string;
  let deploymentFile: string;

  beforeAll(async () => {
    chain = await startTestChain();
    // Today's date: the audit compares append times with its own clock.
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock(new Date()) });
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
    dir = mkdtempSync(join(tmpdir(), "onecode-forged-"));
    deploymentFile = join(dir, "deployment.json");
    await writeDeployment(deploymentFile, chain.deployment);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function auditCommand(): Promise<{ code: number; findings: Finding[] }> {
    const token = await mintOperatorToken(t.ctx.config.operatorTokenSecret, { sub: "auditor-1", role: "auditor" });
    const args = ["scripts/audit.ts", "--rpc", chain.rpcUrl, "--deployment", deploymentFile, "--api", address, "--token", token, "--json"];
    try {
      const { stdout } = await run(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, findings: (JSON.parse(stdout) as { findings: Finding[] }).findings };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      if (e.code !== 1) throw new Error(`audit exited ${e.code}: ${e.stderr}`);
      return { code: 1, findings: (JSON.parse(e.stdout) as { findings: Finding[] }).findings };
    }
  }

  it("anchors what the API wrote, refuses what it did not, and the audit names the forged seq", { timeout: 120_000 }, async () => {
    const registrar = await t.auth("registrar");
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(300 + i), name: "陈大文" } });
      expect(res.statusCode).toBe(201);
    }
    const worker = createAnchorWorker(t.ctx);
    expect(await worker.runOnce()).toBe(1);
    const anchoredThrough = Number((await t.db.pool.query("SELECT max(to_seq) AS n FROM anchors WHERE status = 'confirmed'")).rows[0].n);
    expect(await auditCommand()).toEqual({ code: 0, findings: [] });

    // The intruder: a plain connection, no ledger key. One entry chained onto the head.
    const c = new pg.Client({ connectionString: t.db.adminUrl });
    await c.connect();
    let forged: number;
    try {
      const head = (await c.query<{ seq: string; hash: Buffer }>("SELECT seq, hash FROM ledger_head")).rows[0]!;
      forged = Number(head.seq) + 1;
      const e = { seq: forged, type: "repair.decided", payload: '{"outcome":"approved"}', subjectRef: null, actor: "repair_officer:ghost", createdAt: new Date().toISOString() };
      const hash = Buffer.from(entryHash(head.hash, e));
      await c.query("INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [
        forged,
        e.type,
        e.payload,
        e.subjectRef,
        e.actor,
        e.createdAt,
        head.hash,
        hash,
      ]);
      await c.query("UPDATE ledger_head SET seq = $1, hash = $2", [forged, hash]);
    } finally {
      await c.end();
    }

    // The worker seals nothing with it, on the chain nothing moves, and it says so.
    expect(await worker.runOnce()).toBe(0);
    expect(Number(await chain.chain.creditLedger.getFunction("nextSeq")())).toBe(anchoredThrough + 1);
    const alerts = (await t.db.pool.query("SELECT seq, kind FROM ledger_alerts WHERE resolved_at IS NULL")).rows;
    expect(alerts.map((a) => [Number(a.seq), a.kind])).toEqual([[forged, "unsigned"]]);
    const ready = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: "not_ready", ledger: "refused_entries" });
    const metrics = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/^onecode_ledger_unsigned_entries 1$/m);
    expect(metrics.body).toMatch(/^onecode_ledger_alerts_open 1$/m);

    const after = await auditCommand();
    expect(after.code).toBe(1);
    expect(after.findings.map((f) => [f.kind, f.seq])).toEqual([["unsigned", forged]]);
  });

  it("refuses an unanchored entry edited with the chain recomputed from it, and the audit bounds it by seq", { timeout: 120_000 }, async () => {
    // A fresh start: the intruder's row from the case before is gone (triggers lifted to remove it).
    const c = new pg.Client({ connectionString: t.db.adminUrl });
    await c.connect();
    try {
      await c.query("SET session_replication_role = replica");
      const signedHead = (await c.query("SELECT seq, hash FROM ledger WHERE signature IS NOT NULL ORDER BY seq DESC LIMIT 1")).rows[0];
      await c.query("DELETE FROM ledger WHERE seq > $1", [signedHead.seq]);
      await c.query("UPDATE ledger_head SET seq = $1, hash = $2", [signedHead.seq, signedHead.hash]);
    } finally {
      await c.end();
    }
    const worker = createAnchorWorker(t.ctx);
    await worker.runOnce(); // nothing new, and the earlier alert is resolved
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM ledger_alerts WHERE resolved_at IS NULL")).rows[0].n).toBe(0);

    const registrar = await t.auth("registrar");
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(400 + i), name: "李小明" } });
      expect(res.statusCode).toBe(201);
    }
    const anchoredThrough = Number((await t.db.pool.query("SELECT coalesce(max(to_seq), 0) AS n FROM anchors WHERE status = 'confirmed'")).rows[0].n);
    const target = anchoredThrough + 1; // the first unanchored entry
    const d = new pg.Client({ connectionString: t.db.adminUrl });
    await d.connect();
    try {
      await d.query("SET session_replication_role = replica");
      const rows = (await d.query("SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash FROM ledger WHERE seq >= $1 ORDER BY seq", [target])).rows;
      let prev: Buffer | null = null;
      for (const r of rows) {
        const payload = Number(r.seq) === target ? r.payload.replace("}", ',"x":1}') : r.payload;
        const prevHash: Buffer = prev ?? r.prev_hash;
        const hash = Buffer.from(entryHash(prevHash, { seq: Number(r.seq), type: r.type, payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() }));
        await d.query("UPDATE ledger SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1", [r.seq, payload, prevHash, hash]);
        prev = hash;
      }
      await d.query("UPDATE ledger_head SET hash = $1", [prev]);
    } finally {
      await d.end();
    }
    expect(await worker.runOnce()).toBe(0);
    expect(Number(await chain.chain.creditLedger.getFunction("nextSeq")())).toBe(anchoredThrough + 1);
    const alert = (await t.db.pool.query("SELECT seq, kind FROM ledger_alerts WHERE resolved_at IS NULL")).rows[0];
    expect(alert.kind).toBe("bad_signature");
    const result = await auditCommand();
    expect(result.code).toBe(1);
    // Every entry from the first one no valid signature covers (the edited one) on is named.
    const unsigned = result.findings.find((f) => f.kind === "unsigned");
    expect(unsigned?.seq).toBe(target);
    expect(result.findings.filter((f) => f.kind === "bad_signature").length).toBeGreaterThan(0);
    expect(result.findings.every((f) => (f.seq ?? 0) >= target)).toBe(true);
  });
});
