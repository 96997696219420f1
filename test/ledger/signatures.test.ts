// The writer-signed ledger against a database intruder: someone with a PostgreSQL connection
// (here the superuser, on a plain pg client that holds no ledger key) but not the API's key.
// Real PostgreSQL, real Ed25519 (node:crypto signing, WebCrypto verification through jose).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntries, appendEntry } from "../../api/src/ledger/append.ts";
import { sealNextBatch } from "../../api/src/ledger/anchor.ts";
import { ledgerKeys, publicKeyHex } from "../../api/src/ledger/signing.ts";
import { startSigningOldLedger } from "../../api/src/ledger/adopt.ts";
import { createAuditRepository } from "../../api/src/audit/repository.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";
import { auditLedger } from "../../protocol/audit/auditor.ts";
import { exportLine, parseExportLine } from "../../protocol/audit/ndjson.ts";
import { ledgerSignatureVerifier, type LedgerPublicKey } from "../../protocol/audit/ledger-signatures.ts";
import { ZERO_HEAD } from "../../protocol/ledger/anchor-head.ts";
import { toHex } from "../../protocol/bytes.ts";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { personId } from "../helpers/identifiers.ts";

type Intruder = pg.Client;

async function intruder(db: TestDatabase): Promise<Intruder> {
  const c = new pg.Client({ connectionString: db.adminUrl });
  await c.connect();
  return c;
}

/** What an intruder can do without the key: append a correctly chained entry after the head. */
async function forgeAfterHead(c: Intruder, options: { moveHead: boolean }): Promise<number> {
  const head = (await c.query<{ seq: string; hash: Buffer }>("SELECT seq, hash FROM ledger_head")).rows[0]!;
  const seq = Number(head.seq) + 1;
  const e = { seq, type: "record.published", payload: '{"recordId":"forged"}', subjectRef: null, actor: "credit_agency:ghost", createdAt: new Date().toISOString() };
  const hash = Buffer.from(entryHash(head.hash, e));
  await c.query("INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [
    seq,
    e.type,
    e.payload,
    e.subjectRef,
    e.actor,
    e.createdAt,
    head.hash,
    hash,
  ]);
  if (options.moveHead) await c.query("UPDATE ledger_head SET seq = $1, hash = $2", [seq, hash]);
  return seq;
}

async function audit(db: TestDatabase, keys: LedgerPublicKey[]) {
  const lines: string[] = [];
  for await (const row of createAuditRepository(db.pool).ledgerRows()) lines.push(exportLine(row));
  // No anchors yet in these cases: an empty chain view (the chain test does the anchored case).
  const chain = { anchors: [], head: `0x${toHex(ZERO_HEAD)}`, anchorCount: 0, nextSeq: 1 };
  return auditLedger(lines.map(parseExportLine), chain, { signatures: ledgerSignatureVerifier(keys) });
}

const entry = (i: number) => ({ type: "test.signed", payload: { i }, actor: "test:writer" });

describe("ledger signatures", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it("signs the last entry of every append, verifiable with the published key alone", async () => {
    await withTransaction(db.pool, (c) => appendEntries(c, [entry(1), entry(2), entry(3)]));
    await withTransaction(db.pool, (c) => appendEntry(c, entry(4)));
    const rows = (await db.pool.query<{ seq: number; hash: Buffer; signature: string | null }>("SELECT seq, hash, signature FROM ledger ORDER BY seq")).rows;
    expect(rows.map((r) => r.signature !== null)).toEqual([false, false, true, true]);
    const verifier = ledgerSignatureVerifier(db.ledgerKeys!.published);
    for (const r of rows.filter((x) => x.signature)) expect(await verifier.verify(r.signature!, r.hash)).toBe("valid");
    // Not over another hash, not under another key.
    expect(await verifier.verify(rows[2]!.signature!, rows[3]!.hash)).toBe("invalid");
    expect(await ledgerSignatureVerifier(ledgerKeys(randomBytes(32)).published).verify(rows[3]!.signature!, rows[3]!.hash)).toBe("unknown_key");
    const report = await audit(db, db.ledgerKeys!.published);
    expect(report.findings).toEqual([]);
    expect(report.signatures).toEqual({ checked: true, signed: 2, coveredThrough: 4, startedAt: null });
  });

  it("does not anchor, and the audit names, an entry appended after the head by a database intruder", async () => {
    const c = await intruder(db);
    try {
      const forged = await forgeAfterHead(c, { moveHead: true });
      // The chain itself is intact: only the signature tells.
      const report = await audit(db, db.ledgerKeys!.published);
      expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([["unsigned", forged]]);
      // The worker's seal stops before it and says why.
      const sealed = await withTransaction(db.pool, (client) => sealNextBatch(client, 1000, db.ledgerKeys!));
      expect([sealed.anchor?.fromSeq, sealed.anchor?.toSeq]).toEqual([1, forged - 1]);
      expect(sealed.problem).toMatchObject({ seq: forged, kind: "unsigned" });
      // And the API does not chain onto it: nothing it signs can cover the forged entry.
      await expect(withTransaction(db.pool, (client) => appendEntry(client, entry(5)))).rejects.toMatchObject({ status: 503, code: "ledger_head_unsigned" });
      expect((await db.pool.query("SELECT max(seq)::int AS n FROM ledger")).rows[0].n).toBe(forged);
    } finally {
      await c.end();
    }
  });
});

describe("a backlog longer than one batch (the chain was down)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it("seals a full batch and names no problem: the signed entries after it are the next batch's", async () => {
    // Two entries an append, every append signed: 20 entries wait when the worker comes back.
    for (let i = 0; i < 10; i++) await withTransaction(db.pool, (c) => appendEntries(c, [entry(2 * i), entry(2 * i + 1)]));
    const first = await withTransaction(db.pool, (client) => sealNextBatch(client, 7, db.ledgerKeys!));
    // A full batch of 7 (seq 8's signature covers seq 7 through the hash chain); nothing is refused.
    expect([first.anchor?.fromSeq, first.anchor?.toSeq, first.problem]).toEqual([1, 7, null]);
    await db.pool.query("UPDATE anchors SET status = 'confirmed'");
    const second = await withTransaction(db.pool, (client) => sealNextBatch(client, 7, db.ledgerKeys!));
    expect([second.anchor?.fromSeq, second.anchor?.toSeq, second.problem]).toEqual([8, 14, null]);
  });
});

describe("a forged entry the head does not know about", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await withTransaction(db.pool, (c) => appendEntries(c, [entry(1), entry(2)]));
  });
  afterAll(async () => db?.drop());

  it("stops appends with 503 ledger_out_of_step, not a 500", async () => {
    const c = await intruder(db);
    try {
      const forged = await forgeAfterHead(c, { moveHead: false });
      await expect(withTransaction(db.pool, (client) => appendEntry(client, entry(3)))).rejects.toMatchObject({ status: 503, code: "ledger_out_of_step" });
      const report = await audit(db, db.ledgerKeys!.published);
      expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([["unsigned", forged]]);
    } finally {
      await c.end();
    }
  });
});

describe("an entry edited in PostgreSQL with the hash chain recomputed", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 4; i++) await withTransaction(db.pool, (c) => appendEntries(c, [entry(10 * i), entry(10 * i + 1)]));
  });
  afterAll(async () => db?.drop());

  it("is refused from its append on by the worker and named by the audit", async () => {
    const c = await intruder(db);
    try {
      // Lift the guards (superuser), change seq 4's payload, recompute every hash from it on and the head.
      await c.query("SET session_replication_role = replica");
      const rows = (await c.query("SELECT seq, type, payload, subject_ref, actor, created_at, prev_hash FROM ledger ORDER BY seq")).rows;
      let prev: Buffer | null = null;
      for (const r of rows) {
        if (Number(r.seq) < 4) continue;
        const payload = Number(r.seq) === 4 ? '{"i":999}' : r.payload;
        const prevHash: Buffer = prev ?? r.prev_hash;
        const hash = Buffer.from(entryHash(prevHash, { seq: Number(r.seq), type: r.type, payload, subjectRef: r.subject_ref, actor: r.actor, createdAt: r.created_at.toISOString() }));
        await c.query("UPDATE ledger SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1", [r.seq, payload, prevHash, hash]);
        prev = hash;
      }
      await c.query("UPDATE ledger_head SET hash = $1", [prev]);

      const sealed = await withTransaction(db.pool, (client) => sealNextBatch(client, 1000, db.ledgerKeys!));
      // Seq 3..4 are one append, signed at 4: the last entry a valid signature covers is 2.
      expect([sealed.anchor?.fromSeq, sealed.anchor?.toSeq]).toEqual([1, 2]);
      expect(sealed.problem).toMatchObject({ seq: 4, kind: "bad_signature" });

      const report = await audit(db, db.ledgerKeys!.published);
      expect(report.findings.map((f) => [f.kind, f.seq])).toEqual([
        ["unsigned", 3],
        ["bad_signature", 4],
        ["bad_signature", 6],
        ["bad_signature", 8],
      ]);
      expect(report.signatures.coveredThrough).toBe(2);
      await expect(withTransaction(db.pool, (client) => appendEntry(client, entry(99)))).rejects.toMatchObject({ code: "ledger_head_unsigned" });
    } finally {
      await c.end();
    }
  });
});

describe("ledger key rotation", () => {
  it("keeps the entries signed with the retired key valid and signs new ones with the new key", async () => {
    const oldSeed = randomBytes(32);
    const oldKeys = ledgerKeys(oldSeed);
    const db = await createTestDatabase({ ledgerKeys: oldKeys });
    try {
      await withTransaction(db.pool, (c) => appendEntries(c, [entry(1), entry(2)]));
      await db.close();
      // The same database opened by an API with the new key and the old one retired.
      const newKeys = ledgerKeys(randomBytes(32), [Buffer.from(publicKeyHex(oldSeed), "hex")]);
      const { openDatabase } = await import("../../api/src/db/database.ts");
      const reopened = await openDatabase({ databaseUrl: db.adminUrl, dataDir: "/tmp", ledgerKeys: newKeys });
      try {
        await withTransaction(reopened.pool, (c) => appendEntry(c, entry(3)));
        const kids = (await reopened.pool.query<{ signature: string }>("SELECT signature FROM ledger WHERE signature IS NOT NULL ORDER BY seq")).rows.map(
          (r) => JSON.parse(Buffer.from(r.signature.split(".")[0]!, "base64url").toString()).kid,
        );
        expect(kids).toEqual([oldKeys.kid, newKeys.kid]);
        expect(newKeys.published.map((k) => k.kid)).toEqual([newKeys.kid, oldKeys.kid]);
        const report = await audit({ ...db, pool: reopened.pool } as TestDatabase, newKeys.published);
        expect(report.findings).toEqual([]);
        // Without the retired key the old signature no longer counts.
        const strict = await audit({ ...db, pool: reopened.pool } as TestDatabase, [newKeys.published[0]!]);
        expect(strict.findings.map((f) => f.kind)).toEqual(["bad_signature"]);
      } finally {
        await reopened.close();
      }
    } finally {
      const { SERVER_URL } = await import("../helpers/db.ts");
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
      await c.end();
    }
  });
});

describe("through the API", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t?.close());

  it("publishes the ledger keys, signs what the routes append, and refuses writes after a forged head with 503 problem+json", async () => {
    const keys = await t.app.inject({ method: "GET", url: "/v1/ledger/keys" });
    expect(keys.statusCode).toBe(200);
    const published = keys.json() as { signing: string; keys: { kid: string; x: string; kty: string; crv: string }[] };
    expect(published.signing).toBe(t.db.ledgerKeys!.kid);
    expect(published.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: published.signing });

    const registrar = await t.auth("registrar");
    const enrolled = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(7), name: "陈大文" } });
    expect(enrolled.statusCode).toBe(201);
    const auditor = await t.auth("auditor");
    const export_ = await t.app.inject({ method: "GET", url: "/v1/ledger/export", headers: auditor });
    const entries = export_.body.trim().split("\n").map(parseExportLine);
    expect(entries.at(-1)!.signature).toBeTruthy();
    const report = await auditLedger(entries, { anchors: [], head: `0x${toHex(ZERO_HEAD)}`, anchorCount: 0, nextSeq: 1 }, { signatures: ledgerSignatureVerifier(published.keys), now: t.clock.now() });
    expect(report.findings).toEqual([]);

    const c = await intruder(t.db);
    try {
      const forged = await forgeAfterHead(c, { moveHead: true });
      const refused = await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(8), name: "李小明" } });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
      expect(refused.json()).toMatchObject({ code: "ledger_head_unsigned", status: 503 });
      expect(refused.json().detail).toContain(`seq ${forged}`);
    } finally {
      await c.end();
    }
  });
});

describe("a ledger written before ledger signatures", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // What an earlier version wrote: chained, unsigned.
    const c = await intruder(db);
    try {
      await forgeAfterHead(c, { moveHead: true });
      await forgeAfterHead(c, { moveHead: true });
    } finally {
      await c.end();
    }
  });
  afterAll(async () => db?.drop());

  it("starts signing only when the operator names its head (or the chain anchors it all), once", async () => {
    const ctx = (adoptThrough: number | null) => ({ db, chain: null, config: { ledgerAdoptThrough: adoptThrough } });
    expect(await startSigningOldLedger(ctx(null))).toEqual({ adopted: false, reason: "needs_operator", head: 2, anchored: null });
    const refused = await withTransaction(db.pool, (client) => appendEntry(client, entry(1))).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "ledger_head_unsigned" });
    expect((refused as Error).message).toContain("LEDGER_ADOPT_THROUGH");
    // A number that is not the head changes nothing.
    expect(await startSigningOldLedger(ctx(1))).toMatchObject({ adopted: false, reason: "needs_operator" });

    expect(await startSigningOldLedger(ctx(2))).toEqual({ adopted: true, head: 2, basis: "operator" });
    const started = (await db.pool.query("SELECT seq, type, payload FROM ledger WHERE seq = 3")).rows[0];
    expect(started).toMatchObject({ type: "ledger.signing_started" });
    expect(JSON.parse(started.payload)).toMatchObject({ vouchedThrough: 2, basis: "operator", keyId: db.ledgerKeys!.kid });
    await withTransaction(db.pool, (client) => appendEntry(client, entry(2)));
    // Never again once a signature exists.
    expect(await startSigningOldLedger(ctx(4))).toEqual({ adopted: false, reason: "signed" });

    const report = await audit(db, db.ledgerKeys!.published);
    expect(report.findings).toEqual([]);
    expect(report.signatures).toMatchObject({ coveredThrough: 4, startedAt: 3 });

    // An intruder strips every signature and gets an operator to start signing again: the audit says so.
    const c = await intruder(db);
    try {
      await c.query("SET session_replication_role = replica");
      await c.query("UPDATE ledger SET signature = NULL");
    } finally {
      await c.end();
    }
    expect(await startSigningOldLedger(ctx(4))).toMatchObject({ adopted: true, head: 4 });
    const restarted = await audit(db, db.ledgerKeys!.published);
    expect(restarted.findings.map((f) => [f.kind, f.seq])).toEqual([["signing_restarted", 5]]);
  });
});
