// Backup and restore of the embedded system (npm run backup / npm run restore, scripts/lib/backup.ts,
// api/src/backup/) on the real thing: `npm start` (scripts/start.ts: anvil with its state file,
// the contracts, PGlite, the API and its workers) as a child process.
//  - Online: while the system runs and enrolments keep coming through the API, `npm run backup`
//    asks the API, which pauses its writers for the copy. Every enrolment succeeds and stays; the
//    backup restored into a fresh folder is exactly a prefix of the live ledger (the manifest's
//    head), and the system started on it recovers its chain writes and audits clean.
//  - Stopped: the backup is copied directly; more is written, the restore is refused over the
//    running system and done into a fresh folder. The restored database equals the backup point
//    (every subject, every ledger entry's hash), and the system started on it audits clean
//    (`npm run audit` against its chain, with its signatures).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { BackupManifest } from "../../api/src/backup/format.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { openDatabase } from "../../api/src/db/database.ts";
import { readSecrets } from "../../scripts/lib/secrets.ts";
import { startAnvil } from "../../scripts/lib/anvil.ts";
import { personId } from "../helpers/identifiers.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "onecode-backup-test-"));
const original = join(work, "original");
const fresh = join(work, "fresh");
const backups = join(work, "backups");

interface Running {
  child: ChildProcess;
  url: string;
  rpc: string;
  tokens: Record<string, string>;
  output: () => string;
}
const running = new Set<Running>();

function env(dataDir: string): NodeJS.ProcessEnv {
  // BACKUP_DIR: the running API's backup root (where it may write an online backup).
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "warn", BACKUP_DIR: backups };
}

/** `npm start` on `dataDir`; resolves once it printed its URLs and tokens. */
async function start(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, ["scripts/start.ts"], { cwd: ROOT, env: env(dataDir), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${out}`)), 240_000);
    const check = () => {
      if (out.includes("Ctrl-C stops everything")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${out}`));
    });
  });
  const url = /API listening on (http[^\s;)]+)/.exec(out)?.[1];
  const rpc = /^ {2}chain +(http\S+)/m.exec(out)?.[1];
  if (!url || !rpc) {
    child.kill("SIGINT"); // not left running when its output changes shape
    throw new Error(`npm start's output names no API or chain URL:\n${out}`);
  }
  const tokens = Object.fromEntries([...out.matchAll(/^ {2}(registrar|auditor) +(\S+\.\S+\.\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const r: Running = { child, url, rpc, tokens, output: () => out };
  running.add(r);
  return r;
}

/** Ctrl-C: the API stops, anvil writes its state. */
async function stop(r: Running): Promise<void> {
  running.delete(r);
  if (r.child.exitCode !== null) return;
  const exited = new Promise((resolve) => r.child.once("exit", resolve));
  r.child.kill("SIGINT");
  await exited;
  expect(r.output()).toContain("stopped; chain state saved");
}

async function script(file: string, args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { cwd: ROOT, env: env(dataDir), maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function tryEnrol(r: Running, i: number): Promise<{ status: number; id: string | null; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${r.url}/v1/persons`, {
    method: "POST",
    headers: { authorization: `Bearer ${r.tokens.registrar}`, "content-type": "application/json" },
    body: JSON.stringify({ idNumber: personId(8800 + i), name: `备份${i}` }),
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, id: body.id ?? null, ms: performance.now() - t0 };
}

async function enrol(r: Running, i: number): Promise<string> {
  const { status, id } = await tryEnrol(r, i);
  expect(status).toBe(201);
  return id!;
}

interface AuditJson {
  ok: boolean;
  entries: number;
  lastSeq: number;
  unanchored: number;
  findings: unknown[];
  signatures: { checked: boolean; coveredThrough: number };
}

async function audit(r: Running, dataDir: string): Promise<{ code: number; report: AuditJson; stderr: string }> {
  const a = await script("scripts/audit.ts", ["--rpc", r.rpc, "--deployment", join(dataDir, "deployment.json"), "--api", r.url, "--token", r.tokens.auditor!, "--json"], dataDir);
  return { code: a.code, report: JSON.parse(a.stdout) as AuditJson, stderr: a.stderr };
}

/** Until the anchoring worker has sealed every entry (so the chain state holds the anchors the database records). */
async function anchoredAll(r: Running, dataDir: string): Promise<AuditJson> {
  for (let i = 0; ; i++) {
    const { code, report } = await audit(r, dataDir);
    if (code === 0 && report.unanchored === 0) return report;
    if (i > 30) throw new Error(`not anchored: ${JSON.stringify(report)}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Everything the backup point is: the subjects and every ledger entry's hash and signature, read from a stopped folder. */
async function snapshot(dataDir: string): Promise<{ subjects: string[]; ledger: string[]; anchors: string[] }> {
  const db = await openDatabase({ databaseUrl: null, dataDir });
  try {
    const q = async (sql: string) => (await db.pool.query<{ v: string }>(sql)).rows.map((row) => row.v);
    return {
      subjects: await q("SELECT id::text || ' ' || name AS v FROM subjects ORDER BY id"),
      ledger: await q("SELECT seq || ' ' || encode(hash, 'hex') || ' ' || coalesce(signature, '-') AS v FROM ledger ORDER BY seq"),
      anchors: await q("SELECT idx || ' ' || from_seq || '-' || to_seq || ' ' || status || ' ' || coalesce(tx_hash, '-') AS v FROM anchors ORDER BY idx"),
    };
  } finally {
    await db.close();
  }
}

afterAll(async () => {
  for (const r of [...running]) await stop(r).catch(() => r.child.kill("SIGKILL"));
  rmSync(work, { recursive: true, force: true });
});

describe("npm run backup / npm run restore", () => {
  it("backs up the running system while it enrols, loses no write, and restores exactly the backup point", { timeout: 600_000 }, async () => {
    const live = join(work, "live");
    const liveRestored = join(work, "live-restored");
    let system = await start(live);
    await enrol(system, 100);
    await anchoredAll(system, live);

    // Only an admin may ask, and only for a folder under the server's backup root.
    const secret = readSecrets(join(live, "secrets.env"))!.OPERATOR_TOKEN_SECRET!;
    const admin = await mintOperatorToken(Buffer.from(secret, "hex"), { role: "admin", sub: "backup-test" }, 600);
    const ask = (token: string, body: object) =>
      fetch(`${system.url}/v1/admin/backups`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const notAdmin = await ask(system.tokens.registrar!, {});
    expect(notAdmin.status).toBe(403);
    expect(((await notAdmin.json()) as { code: string }).code).toBe("role_forbidden");
    const outside = await ask(admin, { folder: join(work, "elsewhere") });
    expect(outside.status).toBe(403);
    expect(outside.headers.get("content-type")).toContain("application/problem+json");
    expect(((await outside.json()) as { code: string }).code).toBe("backup_folder_outside_root");
    expect(existsSync(join(work, "elsewhere"))).toBe(false);
    const viaCli = await script("scripts/backup.ts", ["--out", join(work, "elsewhere")], live);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain("backup_folder_outside_root");

    // Enrolments in a loop through the API, two at a time, while `npm run backup` runs.
    const results: { i: number; status: number; id: string | null; ms: number; at: number }[] = [];
    let writing = true;
    const t0 = performance.now();
    const writer = async (lane: number) => {
      for (let k = 0; writing; k++) {
        const i = 200 + lane * 1000 + k;
        results.push({ i, ...(await tryEnrol(system, i)), at: performance.now() - t0 });
      }
    };
    const writers = [writer(0), writer(1)];
    await new Promise((res) => setTimeout(res, 1500));
    const backupStart = performance.now() - t0;
    const made = await script("scripts/backup.ts", [], live); // BACKUP_DIR: the server's root
    const backupEnd = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 1500));
    writing = false;
    await Promise.all(writers);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("taken online by the running system");
    const pausedMs = Number(/writers paused for the copy \((\d+) ms\)/.exec(made.stdout)![1]);
    const folder = /^backed up .* into (\S+)$/m.exec(made.stdout)![1]!;
    expect(folder.startsWith(backups)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as BackupManifest;
    expect(manifest.taken).toBe("online");
    expect(manifest.chainBehindDatabase).toBe(false);
    expect(manifest.files.some((f) => f.path === "chain/state.json")).toBe(true);
    expect(manifest.files.some((f) => f.path === "pg/postmaster.pid")).toBe(false);

    // No write during the backup failed, and writes happened before, during and after it.
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    const during = results.filter((r) => r.at >= backupStart && r.at - r.ms <= backupEnd);
    expect(results.filter((r) => r.at < backupStart).length).toBeGreaterThan(0);
    expect(results.filter((r) => r.at - r.ms > backupEnd).length).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThan(0);
    console.log(
      `online backup: ${(backupEnd - backupStart).toFixed(0)} ms for the CLI, writers paused ${pausedMs} ms, ${manifest.files.length} files ` +
        `${(manifest.files.reduce((n, f) => n + f.size, 0) / 1e6).toFixed(1)} MB; ${results.length} enrolments, ` +
        `slowest ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms, median ${results.map((r) => r.ms).sort((a, b) => a - b)[results.length >> 1]!.toFixed(0)} ms`,
    );
    // Every one is in the live system: none was lost or half-written.
    for (const r of results) {
      const res = await fetch(`${system.url}/v1/subjects/${r.id}`, { headers: { authorization: `Bearer ${system.tokens.registrar}` } });
      expect(res.status).toBe(200);
    }
    await stop(system);
    const final = await snapshot(live);
    for (const r of results) expect(final.subjects.some((s) => s.startsWith(r.id!))).toBe(true);

    // Restored into a fresh folder: exactly the backup point, a prefix of the live ledger.
    const restored = await script("scripts/restore.ts", [folder], liveRestored);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    const point = await snapshot(liveRestored);
    expect(point.ledger.length).toBe(manifest.state.entries);
    expect(point.ledger.at(-1)!.split(" ")[1]).toBe(manifest.state.lastHash);
    expect(point.subjects.length).toBe(manifest.state.subjects);
    expect(final.ledger.slice(0, point.ledger.length)).toEqual(point.ledger);
    expect(point.ledger.length).toBeLessThan(final.ledger.length); // writes went on after the backup point
    // What was answered 201 before the backup began is in it.
    for (const r of results.filter((x) => x.at < backupStart)) expect(point.subjects.some((s) => s.startsWith(r.id!))).toBe(true);

    const inFlight = await openDatabase({ databaseUrl: null, dataDir: liveRestored }).then(async (db) => {
      try {
        return (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM chain_outbox WHERE status IN ('pending', 'sent')")).rows[0]!.n;
      } finally {
        await db.close();
      }
    });
    console.log(`chain writes queued or in flight at the backup point: ${inFlight}`);

    // Started on it: its chain came along (no redeploy), its workers finish what was in flight, and the audit is clean.
    system = await start(liveRestored);
    expect(system.output()).not.toContain("contracts deployed");
    const report = await anchoredAll(system, liveRestored);
    for (let i = 0; ; i++) {
      const metrics = await (await fetch(`${system.url}/metrics`)).text();
      const open = [...metrics.matchAll(/^onecode_chain_writes_open(?:\{[^}]*\})? (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      if (open === 0 && /^onecode_chain_writes_open/m.test(metrics)) break;
      if (i > 60) throw new Error(`chain writes still open after the restore: ${open}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    const ready = (await (await fetch(`${system.url}/readyz`)).json()) as { status: string; chainWrites: string };
    expect(ready).toMatchObject({ status: "ready", chainWrites: "ok" });
    expect(report.findings).toEqual([]);
    expect(report.lastSeq).toBeGreaterThanOrEqual(manifest.state.lastSeq);
    expect(report.signatures.checked).toBe(true);
    expect(report.signatures.coveredThrough).toBe(report.lastSeq);
    const inBackup = results.filter((r) => point.subjects.some((s) => s.startsWith(r.id!)));
    const notInBackup = results.filter((r) => !point.subjects.some((s) => s.startsWith(r.id!)));
    expect(notInBackup.length).toBeGreaterThan(0);
    const get = (id: string) => fetch(`${system.url}/v1/subjects/${id}`, { headers: { authorization: `Bearer ${system.tokens.registrar}` } });
    for (const r of inBackup.slice(-3)) expect((await get(r.id!)).status).toBe(200);
    expect((await get(notInBackup.at(-1)!.id!)).status).toBe(404);
    await stop(system);
  });

  it("backs up a stopped system, and restores the backup point into a fresh folder that audits clean", { timeout: 600_000 }, async () => {
    // A system with data, every entry anchored.
    let system = await start(original);
    const before = await enrol(system, 1);
    await anchoredAll(system, original);

    // Stopped: the backup is taken and records the backup point.
    await stop(system);
    const point = await snapshot(original);
    expect(point.subjects.some((s) => s.startsWith(before))).toBe(true);
    expect(point.anchors.length).toBeGreaterThan(0);
    const made = await script("scripts/backup.ts", ["--out", backups], original);
    expect(made.stderr).toBe("");
    expect(made.stdout).not.toContain("taken online");
    expect(made.code).toBe(0);
    const folder = /^backed up .* into (\S+)$/m.exec(made.stdout)![1]!;
    expect(made.stdout).toContain(`ledger ${point.ledger.length} entries through seq ${point.ledger.length}`);
    expect(made.stdout).not.toContain("WARNING"); // a clean stop: the chain state is as new as the database

    // More data after the backup point.
    system = await start(original);
    const after = await enrol(system, 2);
    // A restore over the running system is refused, and changes nothing.
    const overRunning = await script("scripts/restore.ts", [folder, "--force"], original);
    expect(overRunning.code).toBe(1);
    expect(overRunning.stderr).toContain("nothing restored: the system is running on");
    expect((await fetch(`${system.url}/v1/subjects/${after}`, { headers: { authorization: `Bearer ${system.tokens.registrar}` } })).status).toBe(200);
    await stop(system);
    expect((await snapshot(original)).subjects.some((s) => s.startsWith(after))).toBe(true);

    // A damaged backup is refused before anything is written.
    const damaged = join(work, "damaged");
    await run("cp", ["-a", folder, damaged]);
    writeFileSync(join(damaged, "data", "secrets.env"), "OPERATOR_TOKEN_SECRET=00\n");
    const refusedDamaged = await script("scripts/restore.ts", [damaged], fresh);
    expect(refusedDamaged.code).toBe(1);
    expect(refusedDamaged.stderr).toContain("nothing restored: secrets.env differs from the backup's manifest");
    expect(existsSync(fresh)).toBe(false);

    // Restored into a fresh folder: exactly the backup point.
    const restored = await script("scripts/restore.ts", [folder], fresh);
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(await snapshot(fresh)).toEqual(point);
    // And it will not write over it a second time without --force.
    const again = await script("scripts/restore.ts", [folder], fresh);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`nothing restored: ${fresh} holds data`);

    // The system started on it: the same chain (its state came along), the same keys, and the audit is clean.
    system = await start(fresh);
    expect(system.output()).not.toContain("contracts deployed"); // found on the restored chain, not redeployed
    const { code, report, stderr } = await audit(system, fresh);
    expect(stderr).toBe("");
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report.lastSeq).toBeGreaterThanOrEqual(point.ledger.length);
    expect(report.signatures.checked).toBe(true);
    expect(report.signatures.coveredThrough).toBe(report.lastSeq);
    const get = (id: string) => fetch(`${system.url}/v1/subjects/${id}`, { headers: { authorization: `Bearer ${system.tokens.registrar}` } });
    expect((await get(before)).status).toBe(200);
    expect((await get(after)).status).toBe(404);
    await stop(system);
  });

  it("refuses while a chain node left over from an unclean stop still writes the chain state", { timeout: 60_000 }, async () => {
    const dataDir = join(work, "leftover");
    mkdirSync(join(dataDir, "pg"), { recursive: true });
    const anvil = await startAnvil({ statePath: join(dataDir, "chain", "state.json") });
    try {
      const refused = await script("scripts/backup.ts", ["--out", join(work, "leftover-backups")], dataDir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^nothing backed up: a chain node \(anvil, pid \d+\) still runs on the chain state in /);
      expect(existsSync(join(work, "leftover-backups")) ? readdirSync(join(work, "leftover-backups")) : []).toEqual([]);
      expect(existsSync(join(dataDir, "pg.lock"))).toBe(false); // the lock was given back
    } finally {
      await anvil.kill();
    }
  });
});
