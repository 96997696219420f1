// `npm run token -- ROLE SUB [TTL_SECONDS]`: prints an operator bearer token signed with
// OPERATOR_TOKEN_SECRET (from the environment, else the running system's DATA_DIR/secrets.env;
// see scripts/lib/data-dir.ts). It never creates a secrets file: a token signed with a new
// secret would be refused by the running system.
import { mintOperatorToken, ROLES, type Role } from "../api/src/auth/operators.ts";
import { commandEnvironment, SetupError } from "./lib/data-dir.ts";

export async function main(args: string[]): Promise<number> {
  const [role, sub, ttl] = args;
  if (!role || !sub || !ROLES.includes(role as Role)) {
    console.error(`usage: npm run token -- ROLE SUB [TTL_SECONDS]\nroles: ${ROLES.join(", ")}`);
    return 2;
  }
  let found;
  try {
    found = commandEnvironment("npm run token", ["OPERATOR_TOKEN_SECRET"]);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    return 2;
  }
  if (found.how === "running") console.error(`(DATA_DIR not set: using the running system's data folder ${found.dataDir})`);
  const secret = found.env.OPERATOR_TOKEN_SECRET!;
  if (!/^[0-9a-fA-F]{64}$/.test(secret)) {
    console.error("OPERATOR_TOKEN_SECRET must be 64 hex characters");
    return 2;
  }
  console.log(await mintOperatorToken(Buffer.from(secret, "hex"), { role: role as Role, sub }, ttl ? Number(ttl) : undefined));
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
