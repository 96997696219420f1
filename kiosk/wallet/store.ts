// What the phone keeps, in IndexedDB (one record): the device id, the device key pair — its
// private half generated non-extractable, so the browser can sign with it but no script can
// read it out — what the code shows (subject, the last bound token), and the offset of this
// phone's clock from the issuer's. The holder session lives in sessionStorage only: closing the
// app signs out; showing the code needs no session.
import type { DeviceKey } from "../../protocol/codes/token-format.ts";

export interface StoredCode {
  token: string;
  tokenId: string;
  codeId: string;
  expiresAt: string;
}

export interface Binding {
  deviceId: string;
  keys: CryptoKeyPair;
  subject: { kind: "person" | "enterprise"; displayName: string; creditStatus: string };
  holder: { displayName: string; capacity: string };
  code: StoredCode | null;
  /** Issuer's clock minus this phone's, in ms (measured at each code refresh). */
  clockOffsetMs: number;
}

const DB = "onecode-wallet";
const STORE = "state";
const KEY = "binding";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = fn(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export const loadBinding = (): Promise<Binding | undefined> => run("readonly", (s) => s.get(KEY));
export const saveBinding = (binding: Binding): Promise<unknown> => run("readwrite", (s) => s.put(binding, KEY));
export const forgetBinding = (): Promise<unknown> => run("readwrite", (s) => s.delete(KEY));

/** A new device key: ECDSA P-256, the private half not extractable. */
export async function newDeviceKey(): Promise<{ keys: CryptoKeyPair; jwk: DeviceKey }> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  return { keys, jwk: { kty: kty as "EC", crv: crv as "P-256", x: x!, y: y! } };
}

const SESSION = "onecode.wallet.session";
export const session = {
  get: (): string | null => sessionStorage.getItem(SESSION),
  set: (value: string | null) => (value ? sessionStorage.setItem(SESSION, value) : sessionStorage.removeItem(SESSION)),
};
