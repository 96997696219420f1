// Tamper tests against a real PostgreSQL and a real EVM (anvil): a ledger of several
// hundred entries (code issues among them, issued on the CodeRegistry too) is anchored
// on CreditLedger; then, in separate fresh copies of the database, a superuser lifts the
// append-only guards and edits, deletes, inserts, swaps, changes a code entry. The audit
// command (scripts/audit.ts, run as a process) must name each tamper's sequence number
// and exit 1; the clean ledger must pass with exit 0, over a file and over the API.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Contract } from "ethers";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEntries, type NewEntry } from "../../api/src/ledger/append.ts";
import { entryHash } from "../../api/src/ledger/entry.ts";
import { leafHash, rootFromLeafHashes, toHex } from "../../api/src/ledger/merkle.ts";
import { withTransaction, openDatabase } from "../../api/src/db/database.ts";
import { buildApp } from "../../api/src/app.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import type { Finding } from "../../api/src/audit/auditor.ts";
import { exportLine } from "../../api/src/audit/ndjson.ts";
import { ledgerRows } from "../../api/src/audit/ledger-source.ts";
import { writeDeployment } from "../../scripts/lib/deployment.ts";
import { createTestDatabase, SERVER_URL, type TestDatabase } from "../helpers/db.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { TestClock, testConfig } from "../helpers/app.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const ENTRIES = 420;
const BATCH = 64;
const START = Date.parse("2026-11-26T01:00:00.000Z");
const NOW = new Date(START + (ENTRIES + 60) * 1000).toISOString();

let base: TestDatabase;
let testChain: TestChain;
let deploymentFile: string;
const copies: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "onecode-audit-"));
/** seq -> code id of the code.issued entries. */
const codeSeqs = new Map<number, string>();
let suspendedCount = 0;

function urlOf(name: string): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function realisticEntries(): { entries: NewEntry[]; codes: { subject: string; codeId: string; kind: number; attestation: string }[]; suspended: Set<string> } {
  const entries: NewEntry[] = [];
  const codes: { subject: string; codeId: string; kind: number; attestation: string }[] = [];
  const suspended = new Set<string>();
  for (let i = 1; i <= ENTRIES; i++) {
    const at = new Date(START + i * 1000);
    const subject = randomBytes(32).toString("hex");
    switch (i % 7) {
      case 0: {
        const codeId = randomBytes(16).toString("hex");
        const attestation = randomBytes(32).toString("hex");
        const kind = i % 2 === 0 ? 2 : 1;
        codes.push({ subject, codeId, kind, attestation });
        // As api/src/codes/issue.ts writes it.
        entries.push({
          type: "code.issued",
          payload: { attestation, codeId, kind: kind === 1 ? "person" : "enterprise", replaces: null, statusIndex: codes.length - 1, subject },
          actor: "registrar:wang",
          subjectRef: codeId,
          at,
        });
        break;
      }
      case 5: {
        // Suspend the code issued just before (as api/src/codes/routes.ts writes it; subject only on chain).
        const last = codes.at(-1);
        if (!last || suspended.has(last.codeId)) {
          entries.push({ type: "repair.decided", payload: { outcome: "refused", officer: "officer-li" }, actor: "repair_officer:li", subjectRef: subject, at });
          break;
        }
        suspended.add(last.codeId);
        entries.push({ type: "code.suspended", payload: { codeId: last.codeId, from: "active", reason: "核查中", to: "suspended" }, actor: "registrar:wang", subjectRef: last.codeId, at });
        break;
      }
      case 1:
        entries.push({ type: "subject.enrolled", payload: { kind: "enterprise", subject }, actor: "registrar:wang", subjectRef: subject, at });
        break;
      case 2:
      case 3:
        entries.push({
          type: "record.published",
          payload: { category: 1, recordId: randomBytes(32).toString("hex"), severity: 2, subject, publicUntil: "2027-11-26T00:00:00.000Z" },
          actor: "credit_agency:fs-market",
          subjectRef: subject,
          at,
        });
        break;
      case 4:
        entries.push({ type: "repair.filed", payload: { applicationId: randomBytes(16).toString("hex"), items: [i], note: "已整改，罚款已缴纳" }, actor: "kiosk:k-07", subjectRef: subject, at });
        break;
      default:
        entries.push({ type: "repair.decided", payload: { outcome: i % 3 === 0 ? "approved" : "refused", officer: "officer-li" }, actor: "repair_officer:li", subjectRef: subject, at });
    }
  }
  return { entries, codes, suspended };
}

async function anchorAll(db: pg.Pool, ledger: Contract): Promise<void> {
  const { rows } = await db.query<{ seq: number; hash: Buffer }>("SELECT seq, hash FROM ledger ORDER BY seq");
  let head = (await ledger.getFunction("head").staticCall()) as string;
  for (let from = 1; from <= rows.length; from += BATCH) {
    const to = Math.min(rows.length, from + BATCH - 1);
    const root = rootFromLeafHashes(rows.slice(from - 1, to).map((r) => leafHash(r.hash)));
    const tx = await ledger.getFunction("anchorBatch").send(from, to, `0x${toHex(root)}`, head);
    await tx.wait();
    head = (await ledger.getFunction("head").staticCall()) as string;
  }
}

/** A fresh copy of the anchored ledger, tampered by `sql` as a superuser with the guards lifted. */
async function tampered(sql: (c: pg.Client) => Promise<void>): Promise<string> {
  const name = `${base.name}_c${copies.length}`;
  copies.push(name);
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${base.name}`);
  await admin.end();
  const c = new pg.Client({ connectionString: urlOf(name) });
  await c.connect();
  // The guards hold first: the triggers refuse the change.
  await expect(c.query("UPDATE ledger SET actor = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
  await c.query("SET session_replication_role = replica");
  await sql(c);
  await c.end();
  return name;
}

async function exportFile(name: string): Promise<string> {
  const db = await openDatabase({ databaseUrl: urlOf(name), dataDir: dir }, 2);
  const lines: string[] = [];
  for await (const row of ledgerRows(db.pool, 1, undefined, 100)) lines.push(exportLine(row));
  await db.close();
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

async function audit(args: string[]): Promise<{ code: number; findings: Finding[]; report: Record<string, unknown>; stderr: string }> {
  const all = ["scripts/audit.ts", "--rpc", testChain.rpcUrl, "--deployment", deploymentFile, "--json", "--now", NOW, ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, all, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const report = JSON.parse(stdout) as { findings: Finding[] };
    return { code: 0, findings: report.findings, report, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    const report = e.stdout ? (JSON.parse(e.stdout) as { findings: Finding[] }) : { findings: [] };
    return { code: e.code, findings: report.findings, report, stderr: e.stderr };
  }
}

async function auditCopy(name: string, ...args: string[]) {
  return audit(["--entries", await exportFile(name), ...args]);
}

const kinds = (fs: Finding[]) => fs.map((f) => `${f.kind}@${f.seq}`);

beforeAll(async () => {
  [base, testChain] = await Promise.all([createTestDatabase(), startTestChain()]);
  deploymentFile = join(dir, "deployment.json");
  await writeDeployment(deploymentFile, testChain.deployment);
  const { entries, codes, suspended } = realisticEntries();
  const appended = await withTransaction(base.pool, (c) => appendEntries(c, entries));
  appended.forEach((a, i) => {
    if (entries[i]!.type === "code.issued") codeSeqs.set(a.seq, (entries[i]!.payload as { codeId: string }).codeId);
  });
  const signer = testChain.chain.signer;
  const registry = testChain.chain.codeRegistry.connect(signer) as Contract;
  const tx = await registry.getFunction("issueCodes").send(codes.map((c) => ({ subject: `0x${c.subject}`, codeId: `0x${c.codeId}`, kind: c.kind, attestation: `0x${c.attestation}` })));
  await tx.wait();
  for (const c of codes.filter((c) => suspended.has(c.codeId))) {
    await (await registry.getFunction("suspendCode").send(`0x${c.subject}`, `0x${c.codeId}`)).wait();
  }
  suspendedCount = suspended.size;
  await anchorAll(base.pool, testChain.chain.creditLedger.connect(signer) as Contract);
  await base.close(); // a template database takes no connections
}, 180_000);

afterAll(async () => {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  for (const name of copies) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await base?.drop().catch(() => {});
  await testChain?.stop();
});

describe("npm run audit against tampered copies of an anchored ledger", () => {
  it("passes the clean ledger (exit 0), every anchor reproduced", async () => {
    const name = await tampered(async () => {});
    const result = await auditCopy(name);
    expect(result.findings).toEqual([]);
    expect(result.code).toBe(0);
    const report = result.report as { entries: number; anchors: { ok: boolean }[]; codes: { chainEvents: number } };
    expect(report.entries).toBe(ENTRIES);
    expect(report.anchors).toHaveLength(Math.ceil(ENTRIES / BATCH));
    expect(report.anchors.every((a) => a.ok)).toBe(true);
    expect(suspendedCount).toBeGreaterThan(10);
    expect(report.codes.chainEvents).toBe(codeSeqs.size + suspendedCount);
  });

  it("finds an edited payload at its sequence number", async () => {
    const name = await tampered(async (c) => {
      await c.query(`UPDATE ledger SET payload = replace(payload, '"refused"', '"approved"') WHERE seq = 160`);
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual(["edited@160"]);
    expect(result.findings[0]!.anchorIndex).toBe(3);
    expect(result.findings[0]!.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("finds a deleted entry at its sequence number", async () => {
    const name = await tampered(async (c) => {
      await c.query("DELETE FROM ledger WHERE seq = 78");
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual(["missing@78"]);
    // Deleting a code issue also leaves the chain's CodeIssued without its entry.
    const code = await tampered(async (c) => {
      await c.query("DELETE FROM ledger WHERE seq = 77");
    });
    const both = await auditCopy(code);
    // (its CodeIssued and the CodeSuspended that followed, both on chain, now lack their issue entry)
    expect(kinds(both.findings)).toEqual(["missing@77", "chain_state_without_entry@null", "chain_state_without_entry@null"]);
    expect(both.findings.slice(1).every((f) => f.detail.includes(codeSeqs.get(77)!))).toBe(true);
  });

  it("finds an inserted entry, chained in and the rest renumbered", async () => {
    const name = await tampered(async (c) => {
      const { rows } = await c.query<{ hash: Buffer; created_at: Date }>("SELECT hash, created_at FROM ledger WHERE seq = 100");
      await c.query("UPDATE ledger SET seq = seq + 1000000 WHERE seq > 100");
      await c.query("UPDATE ledger SET seq = seq - 999999 WHERE seq > 1000000");
      const fake = { seq: 101, type: "repair.decided", payload: '{"officer":"officer-x","outcome":"approved"}', subjectRef: null, actor: "repair_officer:x", createdAt: rows[0]!.created_at.toISOString() };
      const hash = Buffer.from(entryHash(rows[0]!.hash, fake));
      await c.query("INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [
        101, fake.type, fake.payload, null, fake.actor, fake.createdAt, rows[0]!.hash, hash,
      ]);
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual(["inserted@101"]);
  });

  it("finds both entries of a swap", async () => {
    const name = await tampered(async (c) => {
      await c.query("UPDATE ledger SET seq = 1000040 WHERE seq = 40");
      await c.query("UPDATE ledger SET seq = 40 WHERE seq = 200");
      await c.query("UPDATE ledger SET seq = 200 WHERE seq = 1000040");
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual(["reordered@40", "reordered@200"]);
  });

  it("finds a changed code entry, and the code registry disagreeing with it", async () => {
    const [seq, codeId] = [...codeSeqs].find(([s]) => s > 200)!;
    const forged = randomBytes(16).toString("hex");
    const name = await tampered(async (c) => {
      await c.query("UPDATE ledger SET payload = replace(payload, $1, $2), subject_ref = $2 WHERE seq = $3", [codeId, forged, seq]);
    });
    // The entry is older than the allowed outbox delay, so its code must be on chain by now.
    const result = await auditCopy(name, "--max-anchor-delay", "1m");
    expect(result.code).toBe(1);
    const found = kinds(result.findings);
    expect(found).toContain(`edited@${seq}`);
    expect(found).toContain(`entry_without_chain_state@${seq}`);
    expect(found).toContain(`chain_state_without_entry@${seq}`);
    // The suspension of that code (seq + 5) now names a code the ledger never issued.
    expect(found.every((f) => f.endsWith(`@${seq}`) || f === `entry_without_chain_state@${seq + 5}`)).toBe(true);
    const onChain = result.findings.find((f) => f.kind === "chain_state_without_entry")!;
    expect(onChain.detail).toContain(codeId);
    expect(onChain.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("audits over the API export, publishes the report, and fails cleanly on bad input", async () => {
    const name = await tampered(async () => {});
    const db = await openDatabase({ databaseUrl: urlOf(name), dataDir: dir }, 4);
    const config = testConfig({ chainRpcUrl: testChain.rpcUrl, deploymentFile });
    const app = await buildApp({ config, db, clock: new TestClock(NOW), chain: null }, { logger: false });
    try {
      const address = await app.listen({ host: "127.0.0.1", port: 0 });
      const token = await mintOperatorToken(config.operatorTokenSecret, { sub: "auditor-1", role: "auditor" });
      const clerk = await mintOperatorToken(config.operatorTokenSecret, { sub: "clerk", role: "registrar" });
      expect((await fetch(`${address}/v1/ledger/export`, { headers: { authorization: `Bearer ${clerk}` } })).status).toBe(403);
      const partial = await fetch(`${address}/v1/ledger/export?from=10&to=12`, { headers: { authorization: `Bearer ${token}` } });
      expect(partial.headers.get("content-type")).toContain("application/x-ndjson");
      expect((await partial.text()).trim().split("\n").map((l) => (JSON.parse(l) as { entry: { seq: number } }).entry.seq)).toEqual([10, 11, 12]);

      const result = await audit(["--api", address, "--token", token, "--publish"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.findings).toEqual([]);
      const latest = await fetch(`${address}/v1/audit/latest`, { headers: { authorization: `Bearer ${token}` } });
      expect(latest.status).toBe(200);
      expect(((await latest.json()) as { ok: boolean; entries: number }).entries).toBe(ENTRIES);

      expect((await audit(["--entries", join(dir, "nope.ndjson")])).code).toBe(2);
      expect((await audit([])).code).toBe(2);
      const human = await run(process.execPath, ["scripts/audit.ts", "--rpc", testChain.rpcUrl, "--deployment", deploymentFile, "--api", address, "--token", token], { cwd: ROOT });
      expect(human.stdout).toContain("CLEAN");
    } finally {
      await app.close();
      await db.close();
    }
  });
});
