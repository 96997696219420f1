// Shared set-up of the codes tests: enrolled subjects with codes, forged tokens.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { PNG } from "pngjs";
import { withTransaction } from "../../api/src/db/database.ts";
import { issueCode } from "../../api/src/codes/issue.ts";
import { kidOf } from "../../api/src/codes/keys.ts";
import type { TestApp } from "../helpers/app.ts";
import { decodeQr } from "../../kiosk/lib/scan.ts";

export interface Enrolled {
  subjectId: string;
  codeId: string;
  statusIndex: number;
}

/** Inserts a subject (as enrolment would) and issues its first code with the real issueCode. */
export async function enrol(
  t: TestApp,
  options: { kind?: "person" | "enterprise"; displayName?: string; creditStatus?: "good" | "dishonest" | "serious" } = {},
): Promise<Enrolled> {
  const kind = options.kind ?? "person";
  const subjectId = randomUUID();
  const identifier = randomBytes(9).toString("hex");
  const commitment = createHash("sha256").update(identifier).digest();
  return withTransaction(t.db.pool, async (client) => {
    await client.query(
      `INSERT INTO subjects (id, kind, identifier, name, display_name, commitment, credit_status, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')`,
      // As enrolment stores them: a person's name masked, an enterprise's in full (public).
      [subjectId, kind, identifier, "测试", options.displayName ?? (kind === "person" ? "张*三" : "佛山市禅城区示例贸易有限公司"), commitment, options.creditStatus ?? "good"],
    );
    const issued = await issueCode(client, { subjectId, commitment, kind, actor: "registrar:test", at: t.clock.now() });
    return { subjectId, codeId: issued.codeId, statusIndex: issued.statusIndex };
  });
}

export async function fetchCode(t: TestApp, subjectId: string) {
  const res = await t.app.inject({ method: "GET", url: `/v1/subjects/${subjectId}/code`, headers: await t.auth("kiosk") });
  if (res.statusCode !== 200) throw new Error(`GET code: ${res.statusCode} ${res.body}`);
  return res.json() as { token: string; qrText: string; expiresAt: string; codeId: string; qr: { png: string; svg: string; version: number } };
}

export async function verifyOnline(t: TestApp, token: unknown) {
  const res = await t.app.inject({ method: "POST", url: "/v1/codes/verify", payload: { token } });
  return { status: res.statusCode, body: res.json() as { valid: boolean; reason?: string; detail?: string; status?: string; subject?: Record<string, string>; anchor?: Record<string, unknown> } };
}

export function decodePngDataUrl(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"));
  return decodeQr(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
}

// ------------------------------------------------------------------ forging

export const b64u = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");
export const fromB64u = (s: string) => Buffer.from(s, "base64url");

export function splitToken(token: string) {
  const [h, p, s] = token.split(".") as [string, string, string];
  return { header: JSON.parse(fromB64u(h).toString()) as Record<string, unknown>, claims: JSON.parse(inflateClaims(fromB64u(p))) as Record<string, unknown>, h, p, s };
}

function inflateClaims(bytes: Buffer): string {
  return inflateRawSync(bytes).toString();
}

/** Signs arbitrary header and payload bytes with an Ed25519 key, as an attacker with that key would. */
export function signRaw(header: Record<string, unknown>, payload: Uint8Array, key: KeyObject | null): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(payload)}`;
  const sig = key ? sign(null, Buffer.from(input), key) : Buffer.alloc(0);
  return `${input}.${b64u(sig)}`;
}

export function deflateClaims(claims: Record<string, unknown>): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(claims)));
}

export function attackerKey(): { privateKey: KeyObject; kid: string; jwk: Record<string, string> } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  return { privateKey, kid: kidOf(jwk), jwk };
}

export function privateKeyFromJwk(jwk: Record<string, string>): KeyObject {
  return createPrivateKey({ key: jwk, format: "jwk" });
}
