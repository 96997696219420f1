// The online verifier's token cache (api/src/codes/verify.ts): a code scanned again is not
// checked again, but nothing the cache holds outlives what it depends on: the code's status
// (this instance's change at once, another writer's within the row cache's second), the
// token's expiry, the clock going back, and the key set (tested with a compromise in
// key-states.test.ts). Real database, real signatures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createCodeVerifier } from "../../api/src/codes/verify.ts";
import { openKeySet } from "../../api/src/codes/keys.ts";
import { enrol, fetchCode, verifyOnline } from "./fixtures.ts";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("token cache", () => {
  it("a status change through the API is seen by the next scan of a cached token", async () => {
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    const first = await verifyOnline(t, code.qrText);
    expect(first.body).toMatchObject({ valid: true, status: "active" });
    expect((await verifyOnline(t, code.qrText)).body).toEqual(first.body);
    const registrar = await t.auth("registrar");
    expect((await t.app.inject({ method: "POST", url: `/v1/codes/${e.codeId}/suspend`, headers: registrar, payload: {} })).statusCode).toBe(200);
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: false, reason: "suspended", status: "suspended" });
    expect((await t.app.inject({ method: "POST", url: `/v1/codes/${e.codeId}/reinstate`, headers: registrar, payload: {} })).statusCode).toBe(200);
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: true, status: "active" });
  });

  it("a change by another writer is seen within the row cache's second", async () => {
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    expect((await verifyOnline(t, code.token)).body).toMatchObject({ valid: true });
    await t.db.pool.query("UPDATE codes SET status = 'revoked' WHERE code_id = $1", [e.codeId]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await verifyOnline(t, code.token)).body).toMatchObject({ valid: false, reason: "revoked" });
  });

  it("a cached token expires with the clock, and is not trusted when the clock goes back before its check", async () => {
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: true });
    t.clock.advance(66_000); // ttl 60 s + leeway 5 s
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: false, reason: "expired" });

    const later = await fetchCode(t, e.subjectId);
    expect((await verifyOnline(t, later.qrText)).body).toMatchObject({ valid: true });
    t.clock.advance(-3_600_000);
    expect((await verifyOnline(t, later.qrText)).body).toMatchObject({ valid: false, reason: "not_yet_valid" });
    t.clock.advance(3_600_000);
  });

  it("concurrent scans of a code whose row entry aged out share one database read", async () => {
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    let rowReads = 0;
    const db = {
      query: ((text: string, values?: unknown[]) => {
        if (text.includes("FROM codes c JOIN subjects")) rowReads += 1;
        return t.db.pool.query(text, values);
      }) as typeof t.db.pool.query,
    };
    // cacheMs 0: every scan needs the row; 20 at once need it once.
    const verifier = createCodeVerifier({ db, keys, issuer: t.ctx.config.publicUrl, now: () => t.clock.now(), cacheMs: 0 });
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(code.qrText)));
    expect(verdicts.every((v) => v.valid)).toBe(true);
    expect(rowReads).toBe(1);
    await verifier.verify(code.qrText);
    expect(rowReads).toBe(2);
  });

  it("a row read that was in flight when a change was committed is not kept", async () => {
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    // The first row read answers with what it read, but only once released.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const db = {
      query: (async (text: string, values?: unknown[]) => {
        const result = await t.db.pool.query(text, values);
        if (text.includes("FROM codes c JOIN subjects") && !held) {
          held = true;
          await gate;
        }
        return result;
      }) as typeof t.db.pool.query,
    };
    const verifier = createCodeVerifier({ db, keys, issuer: t.ctx.config.publicUrl, now: () => t.clock.now(), cacheMs: 60_000 });
    const inFlight = verifier.verify(code.qrText);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the read has returned "active" and waits
    await t.db.pool.query("UPDATE codes SET status = 'suspended' WHERE code_id = $1", [e.codeId]);
    verifier.invalidate(e.codeId);
    release();
    expect(await inFlight).toMatchObject({ valid: true }); // began before the change
    expect(await verifier.verify(code.qrText)).toMatchObject({ valid: false, reason: "suspended" });
  });

  it("holds at most tokenCacheEntries inputs, and with 0 checks every scan", async () => {
    const keys = openKeySet(t.ctx.config.codeKeysDir, { clock: t.clock, retainSeconds: 3600 });
    const e = await enrol(t);
    const code = await fetchCode(t, e.subjectId);
    // Counting the signature checks: byKid is called once per checked token.
    let checks = 0;
    const counted = { ...keys, byKid: (kid: string) => (checks++, keys.byKid(kid)), get generation() { return keys.generation; } };
    for (const entries of [0, 1]) {
      checks = 0;
      const verifier = createCodeVerifier({ db: t.db.pool, keys: counted, issuer: t.ctx.config.publicUrl, now: () => t.clock.now(), tokenCacheEntries: entries });
      for (let i = 0; i < 3; i += 1) expect((await verifier.verify(code.qrText)).valid).toBe(true);
      expect(checks, `tokenCacheEntries ${entries}`).toBe(entries === 0 ? 3 : 1);
      // Another input pushes the only entry out: the first is checked again.
      await verifier.verify(code.token);
      await verifier.verify(code.qrText);
      expect(checks).toBe(entries === 0 ? 5 : 3);
    }
  });
});
