// Tamper tests against a real PostgreSQL and a real EVM (anvil): a ledger of several
// hundred entries is written as the API writes it — codes issued, rotated, suspended and
// revoked through api/src/codes (issueCode, and the lifecycle writes of
// api/src/codes/routes.ts), so the codes table matches the code entries — and is anchored
// on CreditLedger, the codes sent to the CodeRegistry in the same order. Then, in
// separate fresh copies of the database, a superuser lifts the append-only guards and
// edits, deletes, inserts, swaps, changes a code entry, and changes code rows (status,
// attestation, subject; a row deleted, a row inserted). The audit command
// (scripts/audit.ts, run as a process, with the entries and the codes table exported)
// must name each tamper's sequence number (and code id) and exit 1; the clean ledger must
// pass with exit 0, over files and over the API.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Contract } from "ethers";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEntry } from "../../api/src/ledger/append.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";
import { leafHash, rootFromLeafHashes } from "../../protocol/ledger/merkle.ts";
import { toHex } from "../../protocol/bytes.ts";
import { withTransaction, openDatabase } from "../../api/src/db/database.ts";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp } from "../../api/src/boot.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import type { Finding } from "../../protocol/audit/auditor.ts";
import { codeExportLine, codeHeaderLine, exportLine } from "../../protocol/audit/ndjson.ts";
import { createAuditRepository } from "../../api/src/audit/repository.ts";
import { issueCode } from "../../api/src/codes/issue.ts";
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
let chainEventCount = 0;

interface FixtureCode {
  codeId: string;
  subjectId: string;
  /** Commitment, hex. */
  subject: string;
  kind: 1 | 2;
  attestation: string;
  issuedSeq: number;
  /** Seq of the last entry about this code. */
  lastSeq: number;
  status: "active" | "suspended" | "revoked";
  /** Revoked by a rotation (a newer code of the same subject replaces it). */
  replacedBy?: string;
}
const fixtureCodes: FixtureCode[] = [];

type ChainOp =
  | { op: "issue"; code: FixtureCode }
  | { op: "rotate"; old: FixtureCode; code: FixtureCode }
  | { op: "suspend" | "revoke"; code: FixtureCode };

function urlOf(name: string): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Writes ENTRIES entries as the API does: every 7th a code issue (through issueCode, with
 * its subject row); in every 6th block of 7 that code is rotated at +3; each block's
 * current code is suspended at +5 and, in every 3rd block, revoked at +6. The rest are
 * enrolments, records and repair entries. Returns the chain writes in ledger order.
 */
async function writeLedger(client: pg.PoolClient): Promise<ChainOp[]> {
  const ops: ChainOp[] = [];
  let current: FixtureCode | undefined;
  const at = (i: number) => new Date(START + i * 1000);
  const lifecycle = async (i: number, code: FixtureCode, to: "suspended" | "revoked", reason: string) => {
    await client.query("UPDATE codes SET status = $2, changed_at = $3 WHERE code_id = $1", [code.codeId, to, at(i)]);
    const entry = await appendEntry(client, {
      type: to === "suspended" ? "code.suspended" : "code.revoked",
      payload: { codeId: code.codeId, from: code.status, to, reason },
      actor: "registrar:wang",
      subjectRef: code.codeId,
      at: at(i),
    });
    code.status = to;
    code.lastSeq = entry.seq;
    ops.push({ op: to === "suspended" ? "suspend" : "revoke", code });
  };
  const published = (i: number, subject: string) =>
    appendEntry(client, {
      type: "record.published",
      payload: { category: 1, recordId: randomBytes(32).toString("hex"), severity: 2, subject, publicUntil: "2027-11-26T00:00:00.000Z" },
      actor: "credit_agency:fs-market",
      subjectRef: subject,
      at: at(i),
    });
  const issued = async (subjectId: string, subject: string, kind: 1 | 2, codeId: string): Promise<FixtureCode> => {
    const row = await client.query<{ attestation: Buffer }>("SELECT attestation FROM codes WHERE code_id = $1", [codeId]);
    const seq = await createAuditRepository(client).ledgerHeadSeq();
    codeSeqs.set(seq, codeId);
    const code: FixtureCode = { codeId, subjectId, subject, kind, attestation: row.rows[0]!.attestation.toString("hex"), issuedSeq: seq, lastSeq: seq, status: "active" };
    fixtureCodes.push(code);
    return code;
  };
  for (let i = 1; i <= ENTRIES; i++) {
    const block = Math.floor(i / 7);
    const subject = randomBytes(32).toString("hex");
    switch (i % 7) {
      case 0: {
        const kind = i % 2 === 0 ? 2 : 1;
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by)
           VALUES ($1, $2, $3, $4, $5, 'registrar:wang') RETURNING id`,
          [kind === 1 ? "person" : "enterprise", `ID-${i}-${subject.slice(0, 12)}`, `主体${i}`, `主*${i}`, Buffer.from(subject, "hex")],
        );
        const subjectId = rows[0]!.id;
        const { codeId } = await issueCode(client, { subjectId, commitment: Buffer.from(subject, "hex"), kind: kind === 1 ? "person" : "enterprise", actor: "registrar:wang", at: at(i) });
        current = await issued(subjectId, subject, kind, codeId);
        ops.push({ op: "issue", code: current });
        break;
      }
      case 3: {
        if (current && block % 6 === 2 && current.status === "active") {
          const old = current;
          const { codeId } = await issueCode(client, {
            subjectId: old.subjectId,
            commitment: Buffer.from(old.subject, "hex"),
            kind: old.kind === 1 ? "person" : "enterprise",
            actor: "registrar:wang",
            at: at(i),
            replaces: old.codeId,
          });
          current = await issued(old.subjectId, old.subject, old.kind, codeId);
          old.status = "revoked";
          old.lastSeq = current.issuedSeq;
          old.replacedBy = codeId;
          ops.push({ op: "rotate", old, code: current });
          break;
        }
        await published(i, subject);
        break;
      }
      case 5:
        if (current?.status === "active") {
          await lifecycle(i, current, "suspended", "under_review");
          break;
        }
        await appendEntry(client, { type: "repair.decided", payload: { outcome: "refused", officer: "officer-li" }, actor: "repair_officer:li", subjectRef: subject, at: at(i) });
        break;
      case 6:
        if (current && block % 3 === 0 && current.status !== "revoked") {
          await lifecycle(i, current, "revoked", "cancelled");
          break;
        }
        await appendEntry(client, { type: "repair.decided", payload: { outcome: i % 3 === 0 ? "approved" : "refused", officer: "officer-li" }, actor: "repair_officer:li", subjectRef: subject, at: at(i) });
        break;
      case 1:
        await appendEntry(client, { type: "subject.enrolled", payload: { kind: "enterprise", subject }, actor: "registrar:wang", subjectRef: subject, at: at(i) });
        break;
      case 2:
        await published(i, subject);
        break;
      default:
        await appendEntry(client, { type: "repair.filed", payload: { applicationId: randomBytes(16).toString("hex"), items: [i], note: "已整改，罚款已缴纳" }, actor: "kiosk:k-07", subjectRef: subject, at: at(i) });
    }
  }
  return ops;
}

/** The chain writes in ledger order (the first issues batched, as the outbox does). */
async function sendToChain(ops: ChainOp[], registry: Contract): Promise<void> {
  const issues = ops.filter((o) => o.op === "issue");
  const b = (h: string) => `0x${h}`;
  await (await registry.getFunction("issueCodes").send(issues.map(({ code: c }) => ({ subject: b(c.subject), codeId: b(c.codeId), kind: c.kind, attestation: b(c.attestation) })))).wait();
  chainEventCount = issues.length;
  for (const o of ops) {
    if (o.op === "issue") continue;
    if (o.op === "rotate") {
      await (await registry.getFunction("rotateCode").send(b(o.code.subject), b(o.old.codeId), b(o.code.codeId), b(o.code.attestation))).wait();
      chainEventCount += 2;
    } else {
      await (await registry.getFunction(o.op === "suspend" ? "suspendCode" : "revokeCode").send(b(o.code.subject), b(o.code.codeId))).wait();
      chainEventCount += 1;
    }
  }
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

/** The entries and the codes table of a copy, exported as an auditor gets them (codes first). */
async function exportFiles(name: string): Promise<{ entries: string; codes: string }> {
  const db = await openDatabase({ databaseUrl: urlOf(name), dataDir: dir }, 2);
  const codes = join(dir, `${name}.codes.ndjson`);
  const entries = join(dir, `${name}.ndjson`);
  try {
    const codeLines = await withTransaction(db.pool, async (c) => {
      await c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const snapshot = createAuditRepository(c);
      const out = [codeHeaderLine(await snapshot.ledgerHeadSeq())];
      for await (const row of snapshot.codeRows(50)) out.push(codeExportLine(row));
      return out;
    });
    writeFileSync(codes, codeLines.join("\n") + "\n");
    const lines: string[] = [];
    for await (const row of createAuditRepository(db.pool).ledgerRows(1, undefined, 100)) lines.push(exportLine(row));
    writeFileSync(entries, lines.join("\n") + "\n");
  } finally {
    await db.close();
  }
  return { entries, codes };
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

/** Audits a copy from its exported files: the entries and the codes table. */
async function auditCopy(name: string, ...args: string[]) {
  const files = await exportFiles(name);
  return audit(["--entries", files.entries, "--codes", files.codes, ...args]);
}

/** The same, with the entries only (the codes table not given). */
async function auditEntriesOnly(name: string, ...args: string[]) {
  const files = await exportFiles(name);
  return audit(["--entries", files.entries, ...args]);
}

const kinds = (fs: Finding[]) => fs.map((f) => `${f.kind}@${f.seq}`);
const bySeq = (a: string, b: string) => Number(a.split("@")[1]) - Number(b.split("@")[1]);

beforeAll(async () => {
  [base, testChain] = await Promise.all([createTestDatabase(), startTestChain()]);
  deploymentFile = join(dir, "deployment.json");
  await writeDeployment(deploymentFile, testChain.deployment);
  const ops = await withTransaction(base.pool, (c) => writeLedger(c));
  await sendToChain(ops, testChain.chain.codeRegistry.connect(testChain.chain.signers.registrar) as Contract);
  suspendedCount = ops.filter((o) => o.op === "suspend").length;
  const signer = testChain.chain.signers.anchorer;
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
  it("passes the clean ledger (exit 0), every anchor reproduced, every code row matching", async () => {
    const name = await tampered(async () => {});
    const result = await auditCopy(name);
    expect(result.findings).toEqual([]);
    expect(result.code).toBe(0);
    const report = result.report as { entries: number; anchors: { ok: boolean }[]; codes: { chainEvents: number; entries: number; rows: number; rowsAsOfSeq: number } };
    expect(report.entries).toBe(ENTRIES);
    expect(report.anchors).toHaveLength(Math.ceil(ENTRIES / BATCH));
    expect(report.anchors.every((a) => a.ok)).toBe(true);
    // The fixture exercises every lifecycle step, and the codes table holds every code.
    expect(suspendedCount).toBeGreaterThan(10);
    expect(fixtureCodes.filter((c) => c.replacedBy).length).toBeGreaterThan(3);
    expect(fixtureCodes.filter((c) => c.status === "revoked" && !c.replacedBy).length).toBeGreaterThan(10);
    expect(report.codes.chainEvents).toBe(chainEventCount);
    expect(report.codes.entries).toBe(codeSeqs.size + suspendedCount + fixtureCodes.filter((c) => c.status === "revoked" && !c.replacedBy).length);
    expect(report.codes.rows).toBe(fixtureCodes.length);
    expect(report.codes.rowsAsOfSeq).toBe(ENTRIES);
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
    // Its CodeIssued and the CodeSuspended that followed, both on chain, now lack their issue
    // entry; and the codes table holds a code the ledger never issued (only its suspension,
    // seq 82, names it).
    const issued77 = fixtureCodes.find((c) => c.issuedSeq === 77)!;
    expect(issued77.lastSeq).toBe(82);
    expect(kinds(both.findings)).toEqual(["missing@77", "code_row_mismatch@82", "chain_state_without_entry@null", "chain_state_without_entry@null"]);
    expect(both.findings.slice(1).every((f) => f.detail.includes(codeSeqs.get(77)!))).toBe(true);
    expect(both.findings[1]!.codeId).toBe(issued77.codeId);
    expect(both.findings[1]!.detail).toContain("no entry issued it");
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

  it("finds a changed code entry, and the code registry and the codes table disagreeing with it", async () => {
    const target = fixtureCodes.find((c) => c.issuedSeq > 200 && !c.replacedBy && c.lastSeq === c.issuedSeq + 5)!;
    const [seq, codeId] = [target.issuedSeq, target.codeId];
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
    // The codes table has no row for the forged code, and its row of the real code has
    // no issue entry any more: only the suspension (seq + 5) names it.
    expect(found).toContain(`code_row_missing@${seq}`);
    expect(found).toContain(`code_row_mismatch@${seq + 5}`);
    expect(result.findings.find((f) => f.kind === "code_row_missing")!.codeId).toBe(forged);
    expect(result.findings.find((f) => f.kind === "code_row_mismatch")!.codeId).toBe(codeId);
    // The suspension of that code (seq + 5) now names a code the ledger never issued.
    expect(found.every((f) => f.endsWith(`@${seq}`) || f === `entry_without_chain_state@${seq + 5}` || f === `code_row_mismatch@${seq + 5}`)).toBe(true);
    const onChain = result.findings.find((f) => f.kind === "chain_state_without_entry")!;
    expect(onChain.detail).toContain(codeId);
    expect(onChain.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("finds a code row set back to active (suspended, and revoked), at the seq of the entry that changed it", async () => {
    const suspended = fixtureCodes.find((c) => c.status === "suspended")!;
    const revoked = fixtureCodes.find((c) => c.status === "revoked" && !c.replacedBy)!;
    const name = await tampered(async (c) => {
      await c.query("UPDATE codes SET status = 'active' WHERE code_id = ANY($1)", [[suspended.codeId, revoked.codeId]]);
    });
    // Without the codes table the ledger and the chain are intact: nothing to see.
    const blind = await auditEntriesOnly(name);
    expect(blind.findings).toEqual([]);
    expect(blind.code).toBe(0);

    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual([`code_row_mismatch@${suspended.lastSeq}`, `code_row_mismatch@${revoked.lastSeq}`].sort(bySeq));
    const s = result.findings.find((f) => f.codeId === suspended.codeId)!;
    expect(s.detail).toContain("status active, the ledger says suspended");
    expect(s.detail).toContain("codeOf(subject) on chain is");
    expect(s.detail).toContain(`last ledger entry about this code is seq ${suspended.lastSeq}`);
    const r = result.findings.find((f) => f.codeId === revoked.codeId)!;
    expect(r.detail).toContain("status active, the ledger says revoked");
    expect(r.detail).toContain("the chain's events leave it revoked");
    // The entry the row contradicts is anchored: the finding names its anchor.
    expect(r.anchorIndex).toBe(Math.ceil(revoked.lastSeq / BATCH));
  });

  it("finds a code row whose attestation or subject was changed", async () => {
    const [a, b] = fixtureCodes.filter((c) => c.status === "suspended").slice(1, 3);
    // A subject without a current code (its code was revoked), so the unique index lets the row move there.
    const other = fixtureCodes.find((c) => c.status === "revoked" && !c.replacedBy)!;
    const name = await tampered(async (c) => {
      await c.query("UPDATE codes SET attestation = $2 WHERE code_id = $1", [a!.codeId, randomBytes(32)]);
      await c.query("UPDATE codes SET subject_id = $2 WHERE code_id = $1", [b!.codeId, other.subjectId]);
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual([`code_row_mismatch@${a!.lastSeq}`, `code_row_mismatch@${b!.lastSeq}`].sort(bySeq));
    const fa = result.findings.find((f) => f.codeId === a!.codeId)!;
    expect(fa.detail).toContain(`the ledger says ${a!.attestation} (issued at seq ${a!.issuedSeq})`);
    expect(fa.detail).toContain("the chain has attestation");
    const fb = result.findings.find((f) => f.codeId === b!.codeId)!;
    expect(fb.detail).toContain(`subject ${other.subject}, the ledger says ${b!.subject}`);
    expect(fb.detail).toContain(`the chain issued it to subject ${b!.subject}`);
    expect(fb.detail).toContain(`codeOf(subject) on chain is ${other.codeId} revoked`);
  });

  it("finds a deleted code row and an inserted one", async () => {
    const gone = fixtureCodes.filter((c) => c.status === "suspended")[3]!;
    const spare = fixtureCodes.filter((c) => c.status === "revoked" && !c.replacedBy)[1]!;
    const extra = randomBytes(16).toString("hex");
    const name = await tampered(async (c) => {
      await c.query("DELETE FROM codes WHERE code_id = $1", [gone.codeId]);
      await c.query(
        `INSERT INTO codes (code_id, subject_id, status, attestation, issued_at, changed_at) VALUES ($1, $2, 'active', $3, now(), now())`,
        [extra, spare.subjectId, randomBytes(32)],
      );
    });
    const result = await auditCopy(name);
    expect(result.code).toBe(1);
    expect(kinds(result.findings)).toEqual([`code_row_missing@${gone.lastSeq}`, "code_row_without_entry@null"]);
    expect(result.findings[0]!.codeId).toBe(gone.codeId);
    expect(result.findings[1]!.codeId).toBe(extra);
    expect(result.findings[1]!.detail).toContain("the chain does not know it either");
  });

  it("audits over the API export, publishes the report, and fails cleanly on bad input", async () => {
    const name = await tampered(async () => {});
    const db = await openDatabase({ databaseUrl: urlOf(name), dataDir: dir }, 4);
    const config = testConfig({ chainRpcUrl: testChain.rpcUrl, deploymentFile });
    const ctx = { config, db, clock: new TestClock(NOW), chain: null };
    const app = await buildApp(ctx, { logger: false, boot: await prepareApp(ctx) });
    try {
      const address = await app.listen({ host: "127.0.0.1", port: 0 });
      const token = await mintOperatorToken(config.operatorTokenSecret, { sub: "auditor-1", role: "auditor" });
      const clerk = await mintOperatorToken(config.operatorTokenSecret, { sub: "clerk", role: "registrar" });
      expect((await fetch(`${address}/v1/ledger/export`, { headers: { authorization: `Bearer ${clerk}` } })).status).toBe(403);
      const partial = await fetch(`${address}/v1/ledger/export?from=10&to=12`, { headers: { authorization: `Bearer ${token}` } });
      expect(partial.headers.get("content-type")).toContain("application/x-ndjson");
      expect((await partial.text()).trim().split("\n").map((l) => (JSON.parse(l) as { entry: { seq: number } }).entry.seq)).toEqual([10, 11, 12]);

      // The codes table: a header with the ledger head it matches, then one line per code.
      expect((await fetch(`${address}/v1/audit/codes`, { headers: { authorization: `Bearer ${clerk}` } })).status).toBe(403);
      const codesResponse = await fetch(`${address}/v1/audit/codes`, { headers: { authorization: `Bearer ${token}` } });
      expect(codesResponse.headers.get("content-type")).toContain("application/x-ndjson");
      const codeLines = (await codesResponse.text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(codeLines[0]).toEqual({ asOfSeq: ENTRIES });
      expect(codeLines).toHaveLength(fixtureCodes.length + 1);
      const sample = fixtureCodes.find((c) => c.replacedBy)!;
      expect(codeLines.find((l) => l.codeId === sample.codeId)).toMatchObject({
        subject: sample.subject,
        kind: sample.kind === 1 ? "person" : "enterprise",
        status: "revoked",
        attestation: sample.attestation,
      });

      // Each codes stream holds a connection for its snapshot and gives it back: more of them
      // (HEAD included) than the pool holds.
      for (let i = 0; i < 6; i++) expect((await fetch(`${address}/v1/audit/codes`, { method: "HEAD", headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const again = await fetch(`${address}/v1/audit/codes`, { headers: { authorization: `Bearer ${token}` } });
      expect((await again.text()).trim().split("\n")).toHaveLength(fixtureCodes.length + 1);

      const noReport = await fetch(`${address}/v1/audit/latest`, { headers: { authorization: `Bearer ${token}` } });
      expect(noReport.status).toBe(404);
      // The fixture's rows are written straight into the database, unsigned, by an app without a
      // ledger key: this test is about the export and the report; signatures: test/ledger/signatures.test.ts.
      const result = await audit(["--api", address, "--token", token, "--publish", "--no-signatures"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.findings).toEqual([]);
      expect((result.report as { codes: { rows: number } }).codes.rows).toBe(fixtureCodes.length);
      const latest = await fetch(`${address}/v1/audit/latest`, { headers: { authorization: `Bearer ${token}` } });
      expect(latest.status).toBe(200);
      expect(((await latest.json()) as { ok: boolean; entries: number; publishedBy: string }).publishedBy).toBe("auditor-1");

      // Reports live in the database: another API instance (its own DATA_DIR) serves the
      // same latest report, and a newer report published there replaces it for both.
      const config2 = testConfig({ chainRpcUrl: testChain.rpcUrl, deploymentFile, operatorTokenSecret: config.operatorTokenSecret });
      expect(config2.dataDir).not.toBe(config.dataDir);
      const ctx2 = { config: config2, db, clock: new TestClock(NOW), chain: null };
      const app2 = await buildApp(ctx2, { logger: false, boot: await prepareApp(ctx2) });
      try {
        const auth = { authorization: `Bearer ${token}` };
        const other = await app2.inject({ method: "GET", url: "/v1/audit/latest", headers: auth });
        expect(other.statusCode).toBe(200);
        expect((other.json() as { entries: number; ok: boolean }).entries).toBe(ENTRIES);
        const auditor2 = await mintOperatorToken(config.operatorTokenSecret, { sub: "auditor-2", role: "auditor" });
        const posted = await app2.inject({
          method: "POST",
          url: "/v1/audit/reports",
          headers: { authorization: `Bearer ${auditor2}` },
          payload: { ok: false, entries: 7, findings: [{ seq: 3, kind: "edited", detail: "x" }] },
        });
        expect(posted.statusCode).toBe(201);
        expect((await app2.inject({ method: "POST", url: "/v1/audit/reports", headers: { authorization: `Bearer ${clerk}` }, payload: { ok: true, entries: 1, findings: [] } })).statusCode).toBe(403);
        expect((await app2.inject({ method: "POST", url: "/v1/audit/reports", headers: auth, payload: { ok: true } })).statusCode).toBe(400);
        const newest = await fetch(`${address}/v1/audit/latest`, { headers: auth });
        expect((await newest.json()) as unknown).toMatchObject({ ok: false, entries: 7, publishedBy: "auditor-2" });
        const list = await app2.inject({ method: "GET", url: "/v1/audit/reports", headers: auth });
        expect((list.json() as { reports: { publishedBy: string; ok: boolean; entries: number; findings: number }[] }).reports).toMatchObject([
          { publishedBy: "auditor-2", ok: false, entries: 7, findings: 1 },
          { publishedBy: "auditor-1", ok: true, entries: ENTRIES, findings: 0 },
        ]);
      } finally {
        await app2.close();
      }

      expect((await audit(["--entries", join(dir, "nope.ndjson")])).code).toBe(2);
      expect((await audit([])).code).toBe(2);
      const human = await run(process.execPath, ["scripts/audit.ts", "--rpc", testChain.rpcUrl, "--deployment", deploymentFile, "--api", address, "--token", token, "--no-signatures"], { cwd: ROOT });
      expect(human.stdout).toContain("CLEAN");
    } finally {
      await app.close();
      await db.close();
    }
  });
});
