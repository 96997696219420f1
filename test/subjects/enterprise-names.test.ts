// Enterprise names are public, persons' names are not: an enterprise's registered name shows
// in full at enrolment, in the subject view, in the online verdict and (as far as the QR
// budget allows, tokenDisplayName) in the token; a person's stays masked everywhere.
// Enterprises enrolled before migration 014 get their full name back from the stored one.
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { migrate, MIGRATIONS_DIR } from "../../api/src/db/migrate.ts";
import { createOfflineVerifier } from "../../protocol/codes/offline-verifier.ts";
import { MAX_TOKEN_NAME, tokenDisplayName } from "../../protocol/codes/token-format.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import { fetchCode, splitToken, verifyOnline } from "../codes/fixtures.ts";

const LONG_NAME = "广东省佛山市禅城区示例贸易有限责任公司";
const SHORT_NAME = "佛山市示例五金有限公司";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function enrolEnterprise(n: number, name: string, repId: string) {
  const res = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers: await t.auth("registrar"), payload: { uscc: uscc(n), name, legalRepresentativeId: repId } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; displayName: string; identifierMasked: string };
}

describe("display names", () => {
  it("an enterprise's name shows in full; its legal representative's stays masked; identifiers stay masked", async () => {
    const rep = await t.app.inject({ method: "POST", url: "/v1/persons", headers: await t.auth("registrar"), payload: { idNumber: personId(41), name: "张小三" } });
    expect(rep.json()).toMatchObject({ displayName: "张*三" });
    const long = await enrolEnterprise(41, LONG_NAME, rep.json().id);
    const short = await enrolEnterprise(42, SHORT_NAME, rep.json().id);
    expect(long.displayName).toBe(LONG_NAME);
    expect(short.displayName).toBe(SHORT_NAME);
    expect(long.identifierMasked).not.toContain(uscc(41).slice(4, 14));

    const view = await t.app.inject({ url: `/v1/subjects/${long.id}`, headers: await t.auth("auditor") });
    expect(view.json()).toMatchObject({ kind: "enterprise", displayName: LONG_NAME });
    const personView = await t.app.inject({ url: `/v1/subjects/${rep.json().id}`, headers: await t.auth("auditor") });
    expect(personView.json()).toMatchObject({ kind: "person", displayName: "张*三" });
    expect(personView.body).not.toContain("张小三");

    // The official's online verdict: the full registered name, from the database.
    const code = await fetchCode(t, long.id);
    expect((await verifyOnline(t, code.qrText)).body).toMatchObject({ valid: true, subject: { kind: "enterprise", displayName: LONG_NAME } });
    const personCode = await fetchCode(t, rep.json().id);
    const personVerdict = await verifyOnline(t, personCode.qrText);
    expect(personVerdict.body).toMatchObject({ valid: true, subject: { kind: "person", displayName: "张*三" } });
    expect(JSON.stringify(personVerdict.body)).not.toContain("张小三");

    // In the token (what an offline verdict shows): a name that fits is whole, a long one
    // is shortened to MAX_TOKEN_NAME characters to keep the QR at version 15 (see the note in issue 18).
    expect(splitToken((await fetchCode(t, short.id)).token).claims.n).toBe(SHORT_NAME);
    const n = splitToken(code.token).claims.n as string;
    expect(n).toBe(tokenDisplayName(LONG_NAME));
    // Shortened with "…", never with the "*" that masks a person's name.
    expect(n).toBe("广东省佛山市…限责任公司");
    expect([...n].length).toBeLessThanOrEqual(MAX_TOKEN_NAME);
    expect(code.qr.version).toBeLessThanOrEqual(15);
    const jwks = (await t.app.inject({ url: "/.well-known/jwks.json" })).json();
    const statusListToken = (await t.app.inject({ url: "/v1/status-lists/1" })).body;
    const offline = await createOfflineVerifier({ jwks, statusListToken, issuer: t.ctx.config.publicUrl, maxDataAgeSeconds: 600, now: () => t.clock.now() });
    expect(await offline.verify((await fetchCode(t, short.id)).qrText)).toMatchObject({ valid: true, subject: { displayName: SHORT_NAME } });
    expect(await offline.verify(personCode.qrText)).toMatchObject({ valid: true, subject: { displayName: "张*三" } });
  });

  it("the bulk import stores enterprises' names in full too", async () => {
    const { enrolBatch } = await import("../../api/src/subjects/enrol-batch.ts");
    const { withTransaction } = await import("../../api/src/db/database.ts");
    const results = await withTransaction(t.db.pool, (client) =>
      enrolBatch(client, t.ctx.config.subjectKey, [
        { kind: "person", idNumber: personId(43), name: "欧阳小明" },
        { kind: "enterprise", uscc: uscc(43), name: LONG_NAME, legalRepresentativeIdNumber: personId(43) },
      ], "import:test", t.clock.now()),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const rows = await t.db.pool.query<{ kind: string; display_name: string }>("SELECT kind, display_name FROM subjects WHERE identifier = ANY($1) ORDER BY kind", [[personId(43), uscc(43)]]);
    expect(rows.rows).toEqual([
      { kind: "enterprise", display_name: LONG_NAME },
      { kind: "person", display_name: "欧**明" },
    ]);
  });
});

describe("migration 014 (enterprises enrolled with a masked display name)", () => {
  it("gives them their registered name back, leaves persons masked", async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      // The schema as it was before 014, with rows written by the old enrolment.
      const before = mkdtempSync(join(tmpdir(), "onecode-migrations-"));
      for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_/.test(f) && Number(f.slice(0, 3)) < 14)) copyFileSync(join(MIGRATIONS_DIR, file), join(before, file));
      await migrate(db.pool, before);
      const insert = "INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by) VALUES ($1, $2, $3, $4, $5, 'test') RETURNING id";
      const enterprise = (await db.pool.query(insert, ["enterprise", uscc(44), "佛山市禅城区某某贸易有限公司", "佛山市**有限公司", randomBytes(32)])).rows[0].id;
      const person = (await db.pool.query(insert, ["person", personId(44), "张小三", "张*三", randomBytes(32)])).rows[0].id;

      expect(await migrate(db.pool)).toContain(14);
      const rows = await db.pool.query<{ id: string; display_name: string }>("SELECT id, display_name FROM subjects");
      const names = Object.fromEntries(rows.rows.map((r) => [r.id, r.display_name]));
      expect(names[enterprise]).toBe("佛山市禅城区某某贸易有限公司");
      expect(names[person]).toBe("张*三");
    } finally {
      await db.drop();
    }
  });
});
