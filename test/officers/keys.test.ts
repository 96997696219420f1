// Officers' passkeys through the HTTP API, on a real EVM: an officer submits a key, an admin
// registers it (the outbox sends registerOfficerKey with the admin key), the chain makes it usable
// after the admin delay, the admin revokes it at once. Without an admin key in the API, the
// admin gets the transaction to send from their own wallet. Keys as x/y or COSE; bad keys refused.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { createPasskey } from "../contracts/passkey.ts";
import { createChainClient } from "../../api/src/chain/client.ts";
import { createOutboxWorker } from "../../api/src/chain/outbox-worker.ts";

type H = { authorization: string };
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

describe("officer keys (HTTP, PostgreSQL, EVM)", () => {
  let chain: TestChain;
  let t: TestApp;
  let admin: H, officer: H;
  let outbox: ReturnType<typeof createOutboxWorker>;

  beforeAll(async () => {
    chain = await startTestChain();
    t = await buildTestApp({ chain: chain.chain, clock: new TestClock("2026-11-25T02:00:00.000Z") });
    outbox = createOutboxWorker(t.ctx);
    admin = await t.auth("admin", "admin-1");
    officer = await t.auth("repair_officer", "officer-li");
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await chain?.stop();
  });

  const post = (url: string, headers: H, payload?: object) => t.app.inject({ method: "POST", url, headers, payload });
  const mine = async () => (await t.app.inject({ method: "GET", url: "/v1/me/officer-keys", headers: officer })).json().items;

  it("an officer submits a passkey, the admin registers it, it signs after the admin delay, revocation is immediate", async () => {
    const passkey = createPasskey();
    const credentialId = b64(randomBytes(32));
    const submitted = await post("/v1/officer-keys", officer, { credentialId, publicKey: { x: passkey.x, y: passkey.y }, label: "desk 3" });
    expect(submitted.statusCode, submitted.body).toBe(201);
    expect(submitted.json()).toMatchObject({ keyId: passkey.keyId, officer: "officer-li", status: "requested", validFrom: null, label: "desk 3" });
    expect((await post("/v1/officer-keys", officer, { credentialId, publicKey: { x: passkey.x, y: passkey.y } })).json().code).toBe("key_exists");
    // Officers cannot register keys on the ledger, nor submit one for someone else.
    expect((await post(`/v1/officer-keys/${passkey.keyId}/register`, officer)).statusCode).toBe(403);
    const other = createPasskey();
    expect((await post("/v1/officer-keys", officer, { officer: "officer-wang", credentialId: b64(randomBytes(32)), publicKey: { x: other.x, y: other.y } })).json().code).toBe("officer_mismatch");

    const registering = await post(`/v1/officer-keys/${passkey.keyId}/register`, admin);
    expect(registering.statusCode, registering.body).toBe(200);
    expect(registering.json().status).toBe("registering");
    await outbox.drain(60_000);
    const [waiting] = await mine();
    expect(waiting).toMatchObject({ status: "waiting_delay", validFrom: expect.any(String) });
    const onChain = await chain.chain.creditLedger.getFunction("officerKey")(passkey.keyId);
    expect(String(onChain.officerId).toLowerCase()).toBe(waiting.officerId);
    await chain.increaseTime(chain.deployment.adminDelaySeconds + 1);
    expect((await mine())[0].status).toBe("active");

    expect((await post(`/v1/officer-keys/${passkey.keyId}/revoke`, admin)).json().status).toBe("revoking");
    await outbox.drain(60_000);
    expect((await mine())[0]).toMatchObject({ status: "revoked", revokedAt: expect.any(String) });
  });

  it("takes the COSE key a registration response carries; refuses points off the curve and other algorithms", async () => {
    const passkey = createPasskey();
    const x = Buffer.from(passkey.x.slice(2), "hex");
    const y = Buffer.from(passkey.y.slice(2), "hex");
    const cose = (alg: number) => b64(isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, alg], [-1, 1], [-2, x], [-3, y]])));
    const ok = await post("/v1/officer-keys", admin, { officer: "officer-wang", credentialId: b64(randomBytes(32)), publicKey: { cose: cose(-7) } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ keyId: passkey.keyId, officer: "officer-wang", status: "registering" }); // an admin's submission is registered at once
    const rs256 = await post("/v1/officer-keys", admin, { officer: "officer-wang", credentialId: b64(randomBytes(32)), publicKey: { cose: cose(-257) } });
    expect([rs256.statusCode, rs256.json().code]).toEqual([422, "invalid_public_key"]);
    const offCurve = await post("/v1/officer-keys", officer, { credentialId: b64(randomBytes(32)), publicKey: { x: passkey.x, y: `0x${"01".repeat(32)}` } });
    expect([offCurve.statusCode, offCurve.json().code]).toEqual([422, "invalid_public_key"]);
  });

  it("without the admin key the API hands the admin the transaction, and follows the chain once it is sent", async () => {
    const { admin: adminKey, ...roles } = chain.keys;
    const noAdmin = createChainClient({ rpcUrl: chain.rpcUrl, deployment: chain.deployment, keys: { ...roles, admin: null }, pollMs: 50 });
    const cold = await buildTestApp({ chain: noAdmin, clock: new TestClock("2026-11-25T02:00:00.000Z") });
    try {
      const passkey = createPasskey();
      const res = await cold.app.inject({ method: "POST", url: "/v1/officer-keys", headers: await cold.auth("admin", "admin-1"), payload: { officer: "officer-zhao", credentialId: b64(randomBytes(32)), publicKey: { x: passkey.x, y: passkey.y } } });
      expect(res.statusCode, res.body).toBe(201);
      const view = res.json();
      expect(view).toMatchObject({ status: "awaiting_admin", adminTransaction: { to: chain.deployment.creditLedger.address, chainId: chain.deployment.chainId } });
      expect((await cold.db.pool.query("SELECT count(*)::int AS n FROM chain_outbox WHERE kind LIKE 'officer.%'")).rows[0].n).toBe(0);
      // The admin sends it from their own wallet (here the deployment's admin key).
      const wallet = new Wallet(adminKey, chain.chain.provider);
      await (await wallet.sendTransaction({ to: view.adminTransaction.to, data: view.adminTransaction.data })).wait();
      const list = (await cold.app.inject({ method: "GET", url: "/v1/officer-keys?officer=officer-zhao", headers: await cold.auth("admin", "admin-1") })).json().items;
      expect(list).toEqual([expect.objectContaining({ keyId: passkey.keyId, status: "waiting_delay" })]);
    } finally {
      await cold.close();
      await noAdmin.close();
    }
  });
});
