// `npm run keys -- generate|rotate|list|compromise KID [--dir DIR]`: the code-signing key set
// (api/src/codes/keys.ts). The folder is CODE_KEYS_DIR, else DATA_DIR/code-keys,
// else .data/code-keys, as the API reads it. Private keys never leave the folder.
// compromise: the emergency revocation of a key. The JWKS marks it `compromised_at` and
// every token it signed is refused online at once (API instances re-read the folder within
// a second) and offline once a verifier has refreshed its keys; if it was the signing key,
// a new key signs codes and the status list from then on (the API re-signs its cached
// status list with the new key on the next request).
import { join, resolve } from "node:path";
import { openKeySet } from "../api/src/codes/keys.ts";
import { systemClock } from "../api/src/context.ts";
import { STATUS_LIST_LIFETIME_SECONDS } from "../api/src/codes/status-list.ts";
import { LEEWAY_SECONDS } from "../protocol/codes/token-format.ts";

export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const dirFlag = rest.indexOf("--dir");
  const dir = resolve(
    dirFlag >= 0 && rest[dirFlag + 1] ? rest[dirFlag + 1]! : (process.env.CODE_KEYS_DIR ?? join(process.env.DATA_DIR ?? ".data", "code-keys")),
  );
  const ttl = Number(process.env.CODE_TTL_SECONDS ?? 60);
  const keys = openKeySet(dir, { clock: systemClock, retainSeconds: Math.max(ttl, STATUS_LIST_LIFETIME_SECONDS) + LEEWAY_SECONDS });
  switch (command) {
    case "generate": {
      const key = keys.current(); // creates one when the folder has no signing key
      console.log(`signing key ${key.kid} in ${dir}`);
      return 0;
    }
    case "rotate": {
      const key = keys.rotate();
      console.log(`new signing key ${key.kid}; the previous key verifies until its tokens expire (API instances pick it up within a second)`);
      return 0;
    }
    case "compromise": {
      const kid = rest[0];
      if (!kid || kid.startsWith("--")) {
        console.error("usage: npm run keys -- compromise KID [--dir DIR]");
        return 2;
      }
      if (!keys.list().some((k) => k.kid === kid)) {
        console.error(`no listed key ${kid} in ${dir} (npm run keys -- list)`);
        return 1;
      }
      const { compromised, signer, replaced } = keys.compromise(kid);
      console.log(`key ${kid} marked compromised at ${compromised.compromisedAt!.toISOString()}: every token it signed is refused`);
      console.log(replaced ? `new signing key ${signer.kid} signs codes and the status list from now` : `signing key ${signer.kid} (unchanged)`);
      console.log("offline verifiers refuse its tokens after their next refresh of the JWKS");
      return 0;
    }
    case "list": {
      for (const key of keys.list()) {
        const state = key.compromisedAt
          ? `COMPROMISED ${key.compromisedAt.toISOString()}`
          : key.retiredAt
            ? `retired ${key.retiredAt.toISOString()}`
            : "SIGNING";
        console.log(`${key.kid}  created ${key.createdAt.toISOString()}  ${state}`);
      }
      return 0;
    }
    default:
      console.error("usage: npm run keys -- generate|rotate|list|compromise KID [--dir DIR]");
      return 2;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
