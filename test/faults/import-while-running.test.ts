// Must show (issue 15): `npm run import` while the system runs on the embedded database. Two
// processes on one PGlite folder lost and misattributed rows; now the folder opens once, and the
// import goes through the running system's API (found from the lock file): every line enrolled
// or refused once, the enterprise's line with the enterprise's id, no 500, nothing lost after a
// restart, the ledger audits clean. `npm run token` finds the
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
import { personId, uscc } from "../helpers/identifiers.ts";

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
    // Persons, a blank line, an enterprise whose representative is in the file, a duplicate of line 2.
    writeFileSync(
      csv,
      [
        "kind,identifier,name,legal_representative",
        `person,${personId(7701)},导入1,`,
        `person,${personId(7702)},导入2,`,
        "",
        `enterprise,${uscc(7700)},佛山市导入有限公司,${personId(7701)}`,
        `person,${personId(7701)},重复,`,
      ].join("\n") + "\n",
    );
  }, 60_000);
  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("goes through the running API: rows correct, re-runs idempotent, no 500, and the API carries on", { timeout: 180_000 }, async () => {
    const s = await start();
    const token = await mintOperatorToken(s.ctx.config.operatorTokenSecret, { role: "registrar", sub: "clerk" });
    const enrol = (i: number) =>
      fetch(`${s.url}/v1/persons`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ idNumber: personId(7000 + i), name: `在线${i}` }) });
    expect((await enrol(1)).status).toBe(201);

    // This process holds the folder: a second open is refused, so the import must use the API.
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toBeInstanceOf(FolderLockedError);
    const imported = await script("scripts/import.ts", [csv], { DATA_DIR: dataDir });
    expect(imported.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`3 enrolled, 1 rejected`);
    expect(imported.stdout).toContain(`through the API at ${s.url}`);
    const again = await script("scripts/import.ts", [csv, "--batch", "2"], { DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("3 enrolled, 1 rejected (resumed after line 6)");
    const rejects = readFileSync(`${csv}.rejects.ndjson`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[6, "subject_already_enrolled"]]); // once, not once per run

    // The running system has each row once, of the right kind, the enterprise with its representative.
    expect((await enrol(2)).status).toBe(201);
    const rows = (
      await s.ctx.db.pool.query<{ kind: string; name: string; identifier: string; rep: string | null }>(
        "SELECT s.kind, s.name, s.identifier, r.identifier AS rep FROM subjects s LEFT JOIN subjects r ON r.id = s.legal_rep_id ORDER BY s.name",
      )
    ).rows;
    expect(rows).toEqual([
      { kind: "enterprise", name: "佛山市导入有限公司", identifier: uscc(7700), rep: personId(7701) },
      { kind: "person", name: "在线1", identifier: personId(7001), rep: null },
      { kind: "person", name: "在线2", identifier: personId(7002), rep: null },
      { kind: "person", name: "导入1", identifier: personId(7701), rep: null },
      { kind: "person", name: "导入2", identifier: personId(7702), rep: null },
    ]);
    // The per-line report names the enterprise's own id on its line.
    const job = (await s.ctx.db.pool.query<{ id: string }>("SELECT encode(file_hash, 'hex') AS id FROM import_jobs")).rows;
    expect(job).toHaveLength(1);
    const report = await (await fetch(`${s.url}/v1/imports/${job[0]!.id}/lines`, { headers: { authorization: `Bearer ${token}` } })).json();
    const enterpriseId = (await s.ctx.db.pool.query("SELECT id FROM subjects WHERE kind = 'enterprise'")).rows[0].id;
    expect(report.results.find((r: { line: number }) => r.line === 5)).toMatchObject({ status: "enrolled", kind: "enterprise", subjectId: enterpriseId });
    // Every request was answered without a server error (the access log keeps each change's status).
    const statuses = (await s.ctx.db.pool.query<{ status: number; n: number }>("SELECT status, count(*)::int AS n FROM access_log WHERE action LIKE 'POST /v1/imports%' GROUP BY status")).rows;
    expect(statuses.reduce((n, r) => n + r.n, 0)).toBe(5); // run 1: job, one chunk, finish; run 2: job, finish
    expect(statuses.filter((r) => r.status >= 500)).toEqual([]);

    // npm run token with the running system's folder: a token it accepts, no new secrets.
    const minted = await script("scripts/mint-token.ts", ["auditor", "auditor-9"], { DATA_DIR: dataDir });
    expect(minted.code).toBe(0);
    const accepted = await fetch(`${s.url}/v1/audit/entries?limit=1`, { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });
    expect(accepted.status).toBe(200);
    await stop();
  });

  it("imports directly once the system is stopped; nothing is lost across restarts and the ledger audits clean", { timeout: 180_000 }, async () => {
    const again = await script("scripts/import.ts", [csv], { DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("3 enrolled, 1 rejected (resumed after line 6)");
    expect(again.stdout).toContain("(through the database directly)");
    const more = join(dataDir, "more.ndjson");
    writeFileSync(more, JSON.stringify({ kind: "person", idNumber: personId(7800), name: "直接1" }) + "\n");
    const direct = await script("scripts/import.ts", [more], { DATA_DIR: dataDir });
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain("1 enrolled, 0 rejected (through the database directly)");

    const s = await start();
    const names = (await s.ctx.db.pool.query<{ name: string }>("SELECT name FROM subjects ORDER BY name")).rows.map((r) => r.name);
    expect(names).toEqual(["佛山市导入有限公司", "在线1", "在线2", "导入1", "导入2", "直接1"]);
    const lines: string[] = [];
    for await (const row of createAuditRepository(s.ctx.db.pool).ledgerRows()) lines.push(exportLine(row));
    expect(lines).toHaveLength(12); // two entries (enrolled, code issued) per subject
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
