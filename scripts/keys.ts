// `npm run keys -- generate|rotate|list [--dir DIR]`: the code-signing key set
// (api/src/codes/keys.ts). The folder is CODE_KEYS_DIR, else DATA_DIR/code-keys,
// else .data/code-keys, as the API reads it. Private keys never leave the folder.
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
      console.log(`new signing key ${key.kid}; the previous key verifies until its tokens expire (API instances pick it up within 5 s)`);
      return 0;
    }
    case "list": {
      for (const key of keys.list()) {
        console.log(`${key.kid}  created ${key.createdAt.toISOString()}  ${key.retiredAt ? `retired ${key.retiredAt.toISOString()}` : "SIGNING"}`);
      }
      return 0;
    }
    default:
      console.error("usage: npm run keys -- generate|rotate|list [--dir DIR]");
      return 2;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
