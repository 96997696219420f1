// A real browser signs a repair decision: Chromium with a virtual WebAuthn authenticator (CDP)
// creates a passkey and answers `navigator.credentials.get`; the page builds the digest with
// protocol/repair/decision-digest.ts bundled for the browser (proof that it is browser-safe), the
// chain (Hardhat EDR, Prague) verifies Chromium's own authenticator data, client data JSON and
// DER signature. No part of the assertion is made by the test.
import { createServer, type Server } from "node:http";
import { Contract, hexlify, randomBytes } from "ethers";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployOneCode } from "../../scripts/lib/deployment.ts";
import { decisionDigest, keccakUtf8, keyIdOf, type Hex, type OfficerSignature, type RepairDecision } from "../../protocol/repair/decision-digest.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { events, increaseTime, now } from "./evm.ts";

const b32 = () => hexlify(randomBytes(32)) as Hex;
const ENTRY = new URL("../../protocol/repair/decision-digest.ts", import.meta.url).pathname;

/** The builder as one IIFE script (global `DecisionDigest`), as a back office would ship it. */
async function bundleForBrowser(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: "silent",
    build: { write: false, minify: false, lib: { entry: ENTRY, name: "DecisionDigest", formats: ["iife"], fileName: () => "decision-digest.js" } },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if ("output" in out) {
      const chunk = out.output.find((o) => o.type === "chunk");
      if (chunk && chunk.type === "chunk") return chunk.code;
    }
  }
  throw new Error("no bundle");
}

describe.skipIf(!chromiumAvailable())("a repair decision signed in Chromium with a passkey", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let bundle: string;

  beforeAll(async () => {
    bundle = await bundleForBrowser();
    // WebAuthn needs a secure context: http://localhost is one, with RP id "localhost".
    server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>back office</title>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`http://localhost:${port}/`);
    await page.addScriptTag({ content: bundle });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("has no node: imports in the builder bundle", () => {
    expect(bundle).not.toMatch(/require\(|from\s*["']node:/);
  });

  it("registers Chromium's passkey, and the chain accepts the officer's signed approval", async () => {
    // Enrolment in the back office: create the passkey, read its public key (SPKI).
    const created = await page.evaluate(async () => {
      const cred = (await navigator.credentials.create({
        publicKey: {
          rp: { id: "localhost", name: "OneCode back office" },
          user: { id: new Uint8Array([1, 2, 3, 4]), name: "officer-1", displayName: "Officer 1" },
          challenge: crypto.getRandomValues(new Uint8Array(32)),
          pubKeyCredParams: [{ type: "public-key", alg: -7 }],
          authenticatorSelection: { userVerification: "required", residentKey: "required" },
        },
      })) as PublicKeyCredential;
      const response = cred.response as AuthenticatorAttestationResponse;
      const DD = (globalThis as unknown as { DecisionDigest: typeof import("../../protocol/repair/decision-digest.ts") }).DecisionDigest;
      const key = DD.p256PublicKeyFromSpki(new Uint8Array(response.getPublicKey()!));
      return { credentialId: Array.from(new Uint8Array(cred.rawId)), x: key.x, y: key.y };
    });

    const { ethers } = await network.connect();
    const [admin, registrar, agency, relayer, anchorer] = await ethers.getSigners();
    const d = await deployOneCode({
      signer: admin!,
      roles: { registrar: registrar!.address, creditAgency: agency!.address, relayer: relayer!.address, anchorer: anchorer!.address },
      adminDelaySeconds: 60,
    });
    const ledger = new Contract(d.creditLedger.address, d.creditLedger.abi, relayer);
    const officer = keccakUtf8("officer:chromium");
    await (await (ledger.connect(admin) as Contract).registerOfficerKey(officer, created.x, created.y)).wait();
    await increaseTime(ethers.provider, 60);
    const recordId = b32();
    await (await (ledger.connect(agency) as Contract).publishRecord(recordId, b32(), b32(), 1, 3, (await now(ethers.provider)) + 86_400, 1)).wait();

    // The officer's screen: the decision, its digest built in the page, the passkey's assertion.
    const decision: RepairDecision = {
      recordId,
      applicationId: b32(),
      outcome: 1,
      decisionDigest: b32(),
      policyVersion: "national-2026",
      ruleId: "national-2026.decision.serious_officer",
      nonce: 7n,
      deadline: BigInt((await now(ethers.provider)) + 600),
    };
    const domain = { chainId: d.chainId, verifyingContract: d.creditLedger.address };
    const inPage = await page.evaluate(
      async ({ decision, domain, credentialId, key }) => {
        const DD = (globalThis as unknown as { DecisionDigest: typeof import("../../protocol/repair/decision-digest.ts") }).DecisionDigest;
        const typed = { ...decision, outcome: decision.outcome as 1 | 2, nonce: BigInt(decision.nonce), deadline: BigInt(decision.deadline) };
        const digest = DD.decisionDigest(domain, typed);
        const cred = (await navigator.credentials.get({
          publicKey: {
            challenge: DD.challengeOf(digest),
            rpId: "localhost",
            allowCredentials: [{ type: "public-key", id: new Uint8Array(credentialId) }],
            userVerification: "required",
          },
        })) as PublicKeyCredential;
        const response = cred.response as AuthenticatorAssertionResponse;
        const signature = DD.officerSignatureOf(
          DD.keyIdOf(key.x, key.y),
          {
            authenticatorData: new Uint8Array(response.authenticatorData),
            clientDataJSON: new Uint8Array(response.clientDataJSON),
            signature: new Uint8Array(response.signature),
          },
          digest,
        );
        return { digest, signature, call: { ...DD.decisionCall(typed), nonce: typed.nonce.toString(), deadline: typed.deadline.toString() } };
      },
      {
        decision: { ...decision, nonce: decision.nonce.toString(), deadline: decision.deadline.toString() },
        domain,
        credentialId: created.credentialId,
        key: { x: created.x, y: created.y },
      },
    );

    // The API side builds the same digest from the same module; the relayer sends what the page made.
    expect(inPage.digest).toBe(decisionDigest(domain, decision));
    expect(inPage.digest).toBe(await ledger.decisionDigestOf(inPage.call));
    const signature = inPage.signature as OfficerSignature;
    expect(signature.keyId).toBe(keyIdOf(created.x, created.y));
    expect(JSON.parse(signature.clientDataJSON)).toMatchObject({ type: "webauthn.get", origin: expect.stringMatching(/^http:\/\/localhost:/) });
    const receipt = await (await ledger.decideRepair(inPage.call, signature)).wait();
    expect(events(ledger, receipt.logs, "RepairDecided")[0]!.officerId).toBe(officer);
    expect(Number((await ledger.recordOf(recordId)).status)).toBe(2);
  });
});
