// A phone as the API tests see it: a software passkey (./authenticator.ts) and a device key made
// the way the wallet makes it (WebCrypto P-256, not extractable), talking to the API by inject.
import type { TestApp } from "../helpers/app.ts";
import type { DeviceKey } from "../../protocol/codes/token-format.ts";
import { bindingProofMessage, boundQrText, signDeviceProof, windowStartAt } from "../../protocol/codes/device-proof.ts";
import { SoftAuthenticator } from "./authenticator.ts";

export interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string };
}

export async function call(t: TestApp, method: string, url: string, headers: Record<string, string> = {}, payload?: unknown): Promise<Answer> {
  const r = await t.app.inject({ method: method as "POST", url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Answer["body"]) : {} };
}

export class Phone {
  readonly authenticator = new SoftAuthenticator();
  keys!: CryptoKeyPair;
  deviceKey!: DeviceKey;
  deviceId: string | null = null;
  session: string | null = null;
  /** The last bound code the API issued to this phone. */
  code: { token: string; tokenId: string; expiresAt: string } | null = null;

  readonly t: TestApp;
  readonly origin: string;

  constructor(t: TestApp, origin = t.ctx.config.publicUrl) {
    this.t = t;
    this.origin = origin;
  }

  async newDeviceKey(): Promise<void> {
    this.keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", this.keys.publicKey);
    this.deviceKey = { kty: kty as "EC", crv: crv as "P-256", x: x!, y: y! };
  }

  /** Opens a binding QR: the passkey options, a new passkey and device key, the binding. */
  async bind(offer: string, name = "测试手机"): Promise<Answer> {
    const options = await call(this.t, "POST", "/v1/wallet/bind/options", {}, { offer });
    if (options.status !== 200) return options;
    const creation = options.body.options as Parameters<SoftAuthenticator["register"]>[0];
    const registration = await this.authenticator.register(creation, this.origin);
    await this.newDeviceKey();
    const proof = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, new Uint8Array(bindingProofMessage(creation.challenge))));
    const bound = await call(this.t, "POST", "/v1/wallet/bind", {}, { offer, registration, deviceKey: this.deviceKey, keyProof: Buffer.from(proof).toString("base64url"), name });
    if (bound.status === 201) {
      this.deviceId = bound.body.deviceId as string;
      this.session = bound.body.session as string;
    }
    return bound;
  }

  async signIn(): Promise<Answer> {
    const options = await call(this.t, "POST", "/v1/wallet/signin/options", {}, this.deviceId ? { deviceId: this.deviceId } : {});
    if (options.status !== 200) return options;
    const response = await this.authenticator.authenticate(options.body.options as Parameters<SoftAuthenticator["authenticate"]>[0], this.origin);
    const answer = await call(this.t, "POST", "/v1/wallet/signin", {}, { challengeId: options.body.challengeId, response });
    if (answer.status === 200) this.session = answer.body.session as string;
    return answer;
  }

  get headers(): Record<string, string> {
    return this.session ? { authorization: `Bearer ${this.session}` } : {};
  }

  get(url: string): Promise<Answer> {
    return call(this.t, "GET", url, this.headers);
  }

  post(url: string, payload?: unknown): Promise<Answer> {
    return call(this.t, "POST", url, this.headers, payload);
  }

  async fetchCode(): Promise<Answer> {
    const r = await this.post("/v1/wallet/code");
    if (r.status === 200) this.code = { token: r.body.token as string, tokenId: r.body.tokenId as string, expiresAt: r.body.expiresAt as string };
    return r;
  }

  /** The QR text the phone shows now (on the test clock). */
  async show(atMs = this.t.clock.now().getTime()): Promise<string> {
    if (!this.code) throw new Error("no code fetched");
    return boundQrText(this.code.token, await signDeviceProof(this.keys.privateKey, this.code.tokenId, windowStartAt(atMs)));
  }
}
