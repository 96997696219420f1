// `npm run token -- ROLE SUB [TTL_SECONDS]`: prints an operator bearer token signed with
// OPERATOR_TOKEN_SECRET (from the environment, else DATA_DIR/secrets.env).
import { join, resolve } from "node:path";
import { mintOperatorToken, ROLES, type Role } from "../api/src/auth/operators.ts";
import { environmentWithSecrets } from "./lib/secrets.ts";

export async function main(args: string[]): Promise<void> {
  const [role, sub, ttl] = args;
  if (!role || !sub || !ROLES.includes(role as Role)) {
    console.error(`usage: npm run token -- ROLE SUB [TTL_SECONDS]\nroles: ${ROLES.join(", ")}`);
    process.exit(2);
  }
  const dataDir = resolve(process.env.DATA_DIR ?? ".data");
  const env = environmentWithSecrets(join(dataDir, "secrets.env"));
  const secret = env.OPERATOR_TOKEN_SECRET!;
  if (!/^[0-9a-fA-F]{64}$/.test(secret)) throw new Error("OPERATOR_TOKEN_SECRET must be 64 hex characters");
  const token = await mintOperatorToken(Buffer.from(secret, "hex"), { role: role as Role, sub }, ttl ? Number(ttl) : undefined);
  console.log(token);
}

if (import.meta.main) await main(process.argv.slice(2));
