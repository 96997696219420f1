// Officers' passkeys: an officer (or an admin for them) submits the passkey's public key, an
// admin puts it on the ledger (`registerOfficerKey`, usable after the admin delay) or revokes it.
// The API signs these writes only when it holds the admin key (the embedded `npm start` chain);
// in production the admin key is cold and the API hands the transaction to the admin instead.
// Whether a key can sign is the chain's word (validFrom, revokedAt), read on every view.
import { decodeCredentialPublicKey, cose } from "@simplewebauthn/server/helpers";
import type { Queryable } from "../db/database.ts";
import type { ChainClient } from "../chain/client.ts";
import { enqueueChainWrite } from "../chain/outbox.ts";
import { hex32 } from "../chain/hex.ts";
import { conflict, notFound, unavailable, unprocessable } from "../errors.ts";
import { keyIdOf, p256PublicKeyFromSpki, type Hex } from "../../../protocol/repair/decision-digest.ts";
import { createOfficerRepository, type OfficerKeyRow } from "./repository.ts";

export type KeyStatus = "requested" | "awaiting_admin" | "registering" | "waiting_delay" | "active" | "revoking" | "revoked" | "chain_failed";

export interface SubmittedKey {
  credentialId: string;
  publicKey: { x: string; y: string } | { cose: string };
  label?: string;
}

/** What the ledger says about a key (zero validFrom: not registered). */
export interface ChainKeyState {
  officerId: string;
  validFrom: number;
  revokedAt: number;
}

const hex = (b: Uint8Array) => hex32(b) as Hex;

/** The chain's clock (latest block), which decides deadlines and key validity; the API's clock when the chain does not answer. */
export async function chainTime(chain: ChainClient, fallback: Date): Promise<number> {
  try {
    const block = await chain.provider.getBlock("latest");
    if (block) return block.timestamp;
  } catch {
    // an outage: the API's clock is the best guess
  }
  return Math.floor(fallback.getTime() / 1000);
}

export async function chainKeyState(chain: ChainClient, keyId: Buffer): Promise<ChainKeyState> {
  const k = (await chain.creditLedger.getFunction("officerKey")(hex(keyId))) as { officerId: string; validFrom: bigint; revokedAt: bigint };
  return { officerId: k.officerId.toLowerCase(), validFrom: Number(k.validFrom), revokedAt: Number(k.revokedAt) };
}

function statusOf(row: OfficerKeyRow, onChain: ChainKeyState | null, now: number): KeyStatus {
  if (onChain && onChain.revokedAt > 0) return "revoked";
  if (row.outbox_status === "failed") return "chain_failed";
  if (row.state === "revoking") return "revoking";
  if (onChain && onChain.validFrom > 0) return now < onChain.validFrom ? "waiting_delay" : "active";
  if (row.state === "requested") return "requested";
  return row.outbox_id === null ? "awaiting_admin" : "registering";
}

export async function keyView(chain: ChainClient | null, row: OfficerKeyRow, now: Date) {
  let onChain: ChainKeyState | null = null;
  let time = Math.floor(now.getTime() / 1000);
  if (chain) {
    try {
      onChain = await chainKeyState(chain, row.key_id);
      time = await chainTime(chain, now);
    } catch {
      onChain = null; // chain down: the status says what the API did
    }
  }
  const status = statusOf(row, onChain, time);
  return {
    keyId: hex(row.key_id),
    officer: row.operator,
    officerId: hex(row.officer_id),
    credentialId: row.credential_id,
    x: hex(row.x),
    y: hex(row.y),
    label: row.label,
    status,
    validFrom: onChain && onChain.validFrom > 0 ? new Date(onChain.validFrom * 1000).toISOString() : null,
    requestedAt: row.requested_at.toISOString(),
    registeredBy: row.registered_by,
    revokedAt: onChain && onChain.revokedAt > 0 ? new Date(onChain.revokedAt * 1000).toISOString() : (row.revoked_at?.toISOString() ?? null),
    chainError: row.outbox_status === "failed" ? row.outbox_error : null,
  };
}

export type OfficerKeyView = Awaited<ReturnType<typeof keyView>>;

/** The P-256 point of a submitted key: x and y, or a COSE_Key (EC2, P-256, ES256). */
function pointOf(publicKey: SubmittedKey["publicKey"]): { x: Hex; y: Hex } {
  try {
    if ("cose" in publicKey) {
      const key = decodeCredentialPublicKey(new Uint8Array(Buffer.from(publicKey.cose, "base64url"))) as cose.COSEPublicKeyEC2;
      const kty = key.get(cose.COSEKEYS.kty);
      const alg = key.get(cose.COSEKEYS.alg);
      const crv = key.get(cose.COSEKEYS.crv);
      const x = key.get(cose.COSEKEYS.x);
      const y = key.get(cose.COSEKEYS.y);
      if (kty !== cose.COSEKTY.EC2 || alg !== cose.COSEALG.ES256 || crv !== cose.COSECRV.P256 || !x || !y) {
        throw new Error("not an ES256 (P-256) key");
      }
      return checkedPoint(hex(x), hex(y));
    }
    return checkedPoint(hex32(publicKey.x) as Hex, hex32(publicKey.y) as Hex);
  } catch (error) {
    throw unprocessable("invalid_public_key", `The passkey's public key is not a P-256 key: ${(error as Error).message}`);
  }
}

/** Refuses a point off the curve (the contract would): through the SPKI check of the shared module. */
function checkedPoint(x: Hex, y: Hex): { x: Hex; y: Hex } {
  const prefix = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
  const spki = Buffer.concat([prefix, Buffer.from([4]), Buffer.from(x.slice(2), "hex"), Buffer.from(y.slice(2), "hex")]);
  return p256PublicKeyFromSpki(new Uint8Array(spki));
}

export async function submitKey(client: Queryable, chain: ChainClient | null, input: SubmittedKey & { officer: string }, actor: string, now: Date): Promise<OfficerKeyView> {
  if (!/^[A-Za-z0-9_-]{16,1366}$/.test(input.credentialId)) throw unprocessable("invalid_credential_id", "credentialId must be the credential's raw id in base64url");
  const { x, y } = pointOf(input.publicKey);
  const keyId = Buffer.from(keyIdOf(x, y).slice(2), "hex");
  const repo = createOfficerRepository(client);
  await repo.officerIdOf(input.officer, now);
  const inserted = await repo.insertKey({
    keyId,
    operator: input.officer,
    credentialId: input.credentialId,
    x: Buffer.from(x.slice(2), "hex"),
    y: Buffer.from(y.slice(2), "hex"),
    label: input.label ?? null,
    at: now,
    by: actor,
  });
  if (!inserted) throw conflict("key_exists", "This passkey (key id or credential id) is already known");
  return keyView(chain, (await repo.key(keyId))!, now);
}

/** The transaction an admin sends from their own wallet when the API holds no admin key. */
function adminTransaction(chain: ChainClient, fn: string, args: unknown[]) {
  return { to: chain.creditLedger.target as string, data: chain.creditLedger.interface.encodeFunctionData(fn, args), chainId: chain.deployment.chainId };
}

export async function registerKey(client: Queryable, chain: ChainClient | null, keyId: Buffer, actor: string, now: Date) {
  if (!chain) throw unavailable("chain_not_configured", "Officer keys live on the ledger: no chain is configured");
  const repo = createOfficerRepository(client);
  const row = await repo.key(keyId, { lock: true });
  if (!row) throw notFound("officer_key_not_found", `No officer key ${hex(keyId)}`);
  if (row.state !== "requested" && row.outbox_status !== "failed") throw conflict("key_not_requested", `The key is already ${row.state}`);
  const write = { kind: "officer.register" as const, keyId: hex(keyId), officerId: hex(row.officer_id), x: hex(row.x), y: hex(row.y) };
  const outboxId = chain.signers.admin ? await enqueueChainWrite(client, write) : null;
  await repo.setRegistering(keyId, { at: now, by: actor, outboxId });
  const view = await keyView(chain, (await repo.key(keyId))!, now);
  return outboxId === null ? { ...view, adminTransaction: adminTransaction(chain, "registerOfficerKey", [write.officerId, write.x, write.y]) } : view;
}

export async function revokeKey(client: Queryable, chain: ChainClient | null, keyId: Buffer, actor: string, now: Date) {
  if (!chain) throw unavailable("chain_not_configured", "Officer keys live on the ledger: no chain is configured");
  const repo = createOfficerRepository(client);
  const row = await repo.key(keyId, { lock: true });
  if (!row) throw notFound("officer_key_not_found", `No officer key ${hex(keyId)}`);
  if (row.state === "revoking" && row.outbox_status !== "failed") throw conflict("key_revoked", "The key is already being revoked");
  const outboxId = chain.signers.admin ? await enqueueChainWrite(client, { kind: "officer.revoke", keyId: hex(keyId) }) : null;
  await repo.setRevoking(keyId, { at: now, by: actor, outboxId });
  const view = await keyView(chain, (await repo.key(keyId))!, now);
  return outboxId === null ? { ...view, adminTransaction: adminTransaction(chain, "revokeOfficerKey", [hex(keyId)]) } : view;
}

export async function listKeys(client: Queryable, chain: ChainClient | null, operator: string | null, now: Date): Promise<OfficerKeyView[]> {
  const rows = await createOfficerRepository(client).keys(operator);
  const views: OfficerKeyView[] = [];
  for (const row of rows) views.push(await keyView(chain, row, now));
  return views;
}
