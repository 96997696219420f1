// The two moments the phone talks to its authenticator and keys:
//  - binding: the offer's passkey options → a new passkey (navigator.credentials.create through
//    @simplewebauthn/browser) → a new non-extractable device key, which signs the binding
//    challenge to show the phone holds it → POST /v1/wallet/bind;
//  - sign-in: a challenge → the passkey's answer → a holder session.
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { bindingProofMessage } from "../../protocol/codes/device-proof.ts";
import { api, ApiError } from "./api.ts";
import { newDeviceKey, session, type Binding } from "./store.ts";

export interface OfferInfo {
  options: Parameters<typeof startRegistration>[0]["optionsJSON"];
  subject: Binding["subject"];
  holder: Binding["holder"];
  expiresAt: string;
}

const b64url = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A passkey prompt the person dismissed is not an error of ours. */
function ceremonyError(error: unknown): never {
  if (error instanceof ApiError) throw error;
  const name = (error as { name?: string })?.name;
  throw new ApiError(0, name === "NotAllowedError" || name === "AbortError" ? "passkey_cancelled" : "passkey_invalid", String(error));
}

export const offerInfo = (offer: string) => api<OfferInfo>("POST", "/v1/wallet/bind/options", { offer });

export async function bindThisPhone(offer: string, info: OfferInfo, name: string): Promise<Binding> {
  let registration;
  try {
    registration = await startRegistration({ optionsJSON: info.options });
  } catch (error) {
    ceremonyError(error);
  }
  const { keys, jwk } = await newDeviceKey();
  const proof = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, new Uint8Array(bindingProofMessage(info.options.challenge)));
  const bound = await api<{ session: string; deviceId: string }>("POST", "/v1/wallet/bind", { offer, registration, deviceKey: jwk, keyProof: b64url(proof), name });
  session.set(bound.session);
  return { deviceId: bound.deviceId, keys, subject: info.subject, holder: info.holder, code: null, clockOffsetMs: 0 };
}

export async function signInWithPasskey(deviceId: string): Promise<void> {
  const { challengeId, options } = await api<{ challengeId: string; options: Parameters<typeof startAuthentication>[0]["optionsJSON"] }>("POST", "/v1/wallet/signin/options", { deviceId });
  let response;
  try {
    response = await startAuthentication({ optionsJSON: options });
  } catch (error) {
    ceremonyError(error);
  }
  const answer = await api<{ session: string }>("POST", "/v1/wallet/signin", { challengeId, response });
  session.set(answer.session);
}
