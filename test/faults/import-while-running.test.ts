// Must show (issue 15): `npm run import` while the system runs on the embedded database. Two
// processes on one PGlite folder lost and misattributed rows; now the import refuses before it
// writes anything, names the running instance and says how to import, and the API carries on
// (no 500, nothing lost after a restart, the ledger audits clean). `npm run token` finds the
// running system's data folder and never creates a second secrets file.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../api/src/config.ts";
import { startServer, type RunningServer } from "../../api/src/server.ts";
import { FolderLockedError, lockFolder } from "../../api/src/db/lock.ts";
import { openDatabase } from "../../api/src/db/database.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { createAuditRepository } from "../../api/src/audit/repository.ts";
import { auditLedger } from "../../protocol/audit/auditor.ts";
import { exportLine, parseExportLine } from "../../protocol/audit/ndjson.ts";
import { ledgerSignatureVerifier } from "../../protocol/audit/ledger-signatures.ts";
import { ZERO_HEAD } from "../../protocol/ledger/anchor-head.ts";
import { toHex } from "../../protocol/bytes.ts";
import { ensureSecrets, parseEnvFile } from "../../scripts/lib/secrets.ts";
import { commandEnvironment, SetupError } from "../../scripts/lib/data-dir.ts";
import { personId } from "../helpers/identifiers.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

/** Runs a script as `npm run` does (cwd the repository), with only the given environment. */
async function script(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("import while the system runs on the embedded database", () => {
  let dataDir: string;
  let server: RunningServer | null = null;
  let csv: string;
  const start = async () => {
    const env = { ...parseEnvFile(readFileSync(join(dataDir, "secrets.env"), "utf8")), DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent" };
    server = await startServer(loadConfig(env, ROOT), undefined, { workers: false });
    return server;
  };
  const stop = async () => {
    await server?.stop();
    server = null;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "onecode-running-"));
    ensureSecrets(join(dataDir, "secrets.env")); // as npm start does on first start
    csv = join(dataDir, "people.csv");
    writeFileSync(csv, ["kind,identifier,name,legal_representative", ...[1, 2, 3].map((i) => `person,${personId(7700 + i)},导入${i},`)].join("\n") + "\n");
  }, 60_000);
  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses, naming the running instance and the ways to import, writes nothing, and the API carries on", { timeout: 180_000 }, async () => {
    const s = await start();
    const token = await mintOperatorToken(s.ctx.config.operatorTokenSecret, { role: "registrar", sub: "clerk" });
    const enrol = (i: number) =>
      fetch(`${s.url}/v1/persons`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ idNumber: personId(7000 + i), name: `在线${i}` }) });
    expect((await enrol(1)).status).toBe(201);

    const imported = await script("scripts/import.ts", [csv], { DATA_DIR: dataDir });
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("nothing imported");
    expect(imported.stderr).toContain(`pid ${process.pid}`);
    expect(imported.stderr).toContain(s.url);
    expect(imported.stderr).toContain("DATABASE_URL");
    expect(imported.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace

    // The running system is untouched and keeps working.
    expect((await enrol(2)).status).toBe(201);
    const count = async () => Number((await s.ctx.db.pool.query("SELECT count(*) AS n FROM subjects")).rows[0].n);
    expect(await count()).toBe(2);
    expect(Number((await s.ctx.db.pool.query("SELECT count(*) AS n FROM import_jobs")).rows[0].n)).toBe(0);
    // In this process too: the folder opens once.
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toBeInstanceOf(FolderLockedError);

    // npm run token with the running system's folder: a token it accepts, no new secrets.
    const minted = await script("scripts/mint-token.ts", ["auditor", "auditor-9"], { DATA_DIR: dataDir });
    expect(minted.code).toBe(0);
    const accepted = await fetch(`${s.url}/v1/audit/entries?limit=1`, { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });
    expect(accepted.status).toBe(200);
    await stop();
  });

  it("imports once the system is stopped; nothing is lost across restarts and the ledger audits clean", { timeout: 180_000 }, async () => {
    const imported = await script("scripts/import.ts", [csv], { DATA_DIR: dataDir });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("3 enrolled, 0 rejected");
    const again = await script("scripts/import.ts", [csv], { DATA_DIR: dataDir });
    expect(again.stdout).toContain("3 enrolled, 0 rejected (resumed after line 4)");

    const s = await start();
    const names = (await s.ctx.db.pool.query<{ name: string }>("SELECT name FROM subjects ORDER BY name")).rows.map((r) => r.name);
    expect(names).toEqual(["在线1", "在线2", "导入1", "导入2", "导入3"]);
    const lines: string[] = [];
    for await (const row of createAuditRepository(s.ctx.db.pool).ledgerRows()) lines.push(exportLine(row));
    const report = await auditLedger(lines.map(parseExportLine), { anchors: [], head: `0x${toHex(ZERO_HEAD)}`, anchorCount: 0, nextSeq: 1 }, {
      signatures: ledgerSignatureVerifier(s.ctx.config.ledgerKeys.published),
    });
    expect(report.findings).toEqual([]);
    expect(report.signatures.coveredThrough).toBe(report.lastSeq);
    await stop();
  });

  it("takes over the lock of a process that is gone", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ["-e", "0"]);
    await new Promise((r) => child.on("exit", r));
    const lockFile = join(dataDir, "pg.lock");
    writeFileSync(lockFile, JSON.stringify({ pid: child.pid, host: (await import("node:os")).hostname(), startedAt: "2026-01-01T00:00:00.000Z", processStart: null, command: "scripts/start.ts", folder: join(dataDir, "pg"), dataDir, url: null }));
    const lock = lockFolder(join(dataDir, "pg"), dataDir);
    expect(lock.info.pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe("npm run token without DATA_DIR", () => {
  it("never creates a secrets file, and says what to set", () => {
    const empty = mkdtempSync(join(tmpdir(), "onecode-nothing-"));
    try {
      const attempt = () => commandEnvironment("npm run token", ["OPERATOR_TOKEN_SECRET"], { PATH: "" }, join(empty, ".data"));
      let error: unknown = null;
      try {
        const found = attempt();
        // Another system runs on this machine (another test or npm start): its folder is used.
        expect(found.how).toBe("running");
        expect(existsSync(join(found.dataDir, "secrets.env"))).toBe(true);
      } catch (e) {
        error = e;
      }
      if (error) {
        expect(error).toBeInstanceOf(SetupError);
        expect((error as Error).message).toMatch(/DATA_DIR/);
      }
      expect(existsSync(join(empty, ".data", "secrets.env"))).toBe(false);
      // With DATA_DIR naming a folder without secrets: refused, and still no file.
      expect(() => commandEnvironment("npm run token", ["OPERATOR_TOKEN_SECRET"], { DATA_DIR: empty })).toThrow(/No new secrets file is created/);
      expect(existsSync(join(empty, "secrets.env"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("finds the one running system's data folder", { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "onecode-found-"));
    ensureSecrets(join(dataDir, "secrets.env"));
    const lock = lockFolder(join(dataDir, "pg"), dataDir);
    try {
      let found: ReturnType<typeof commandEnvironment> | null = null;
      try {
        found = commandEnvironment("npm run token", ["OPERATOR_TOKEN_SECRET"], { PATH: "" }, join(dataDir, "no-such-default"));
      } catch (error) {
        // More than one system runs here: the message lists ours with the DATA_DIR to set.
        expect((error as Error).message).toContain(`DATA_DIR=${dataDir}`);
      }
      if (found) expect(found).toMatchObject({ dataDir, how: "running" });
    } finally {
      lock.release();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
