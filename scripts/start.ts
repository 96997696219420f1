// `npm start`: the whole stack on one machine, from a fresh clone.
//  1. secrets generated once into .data/secrets.env (git-ignored);
//  2. a local EVM: anvil (npm @foundry-rs/anvil) with --state .data/chain/state.json, because
//     anvil loads and dumps its state and so survives a restart (Hardhat's EDR node is memory-only);
//     skipped when CHAIN_RPC_URL names a chain;
//  3. the contracts deployed on first start (.data/deployment.json), compiled first if needed;
//  4. the embedded PostgreSQL (PGlite in .data/pg) unless DATABASE_URL is set; migrations;
//  5. the API, the outbox and anchoring workers; demo data (scripts/demo/) seeded once;
//  6. demo operator accounts (scripts/demo/operators.ts) and the demo face, once;
//  7. URLs (PUBLIC_URL: http://localhost:PORT by default, where passkeys work), the demo
//     subjects, how to sign in to the back office, and machine tokens printed. Ctrl-C stops everything and anvil dumps its state.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { CHAIN_KEY_VARIABLES, loadConfig } from "../api/src/config.ts";
import { startServer, type RunningServer } from "../api/src/server.ts";
import { mintOperatorToken, type Role } from "../api/src/auth/operators.ts";
import { environmentWithSecrets, parseEnvFile } from "./lib/secrets.ts";
import { fundOnAnvil, LOCAL_ADMIN_DELAY_SECONDS, rolesOf, startAnvil, type Anvil } from "./lib/anvil.ts";
import { deployOneCode, ensureArtifacts, readDeployment, REPO_ROOT, writeDeployment } from "./lib/deployment.ts";
import { DEMO_ENTERPRISES, DEMO_PERSONS, seedDemoFace, seedDemoSubjects, type DemoFace } from "./demo/subjects.ts";
import { demoOperatorLines, seedDemoOperators } from "./demo/operators.ts";
import { seedCreditDemo } from "./demo/credit.ts";

const t0 = Date.now();
const say = (message: string) => console.log(`[start +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);

/** The front ends are built once (kiosk/dist); `npm run build:ui` rebuilds them. */
function ensureFrontEnds(): void {
  if (existsSync(join(REPO_ROOT, "kiosk", "dist", "index.html"))) return;
  say("building the front ends (first start)…");
  execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "build:ui"], { cwd: REPO_ROOT, stdio: "inherit" });
}

async function hasCode(url: string, address: string): Promise<boolean> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    return (await provider.getCode(address)) !== "0x";
  } finally {
    provider.destroy();
  }
}

export async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? join(REPO_ROOT, ".data"));
  const secretsFile = join(dataDir, "secrets.env");
  const env = environmentWithSecrets(secretsFile);
  env.DATA_DIR = dataDir;
  // The request log would bury what start prints (URLs, accounts); LOG_LEVEL=info npm start shows it.
  env.LOG_LEVEL ??= "warn";
  const deploymentFile = resolve(env.DEPLOYMENT_FILE ?? join(dataDir, "deployment.json"));
  env.DEPLOYMENT_FILE = deploymentFile;

  let anvil: Anvil | null = null;
  if (!env.CHAIN_RPC_URL) {
    anvil = await startAnvil({ statePath: join(dataDir, "chain", "state.json"), stateIntervalSeconds: 10 });
    env.CHAIN_RPC_URL = anvil.url;
    say(`local chain (anvil) on ${anvil.url}, state in ${join(dataDir, "chain", "state.json")}`);
    // The embedded chain's accounts are the generated keys, one per role: give them ether.
    for (const variable of Object.values(CHAIN_KEY_VARIABLES)) await fundOnAnvil(anvil.url, new Wallet(env[variable]!).address);
  }

  ensureFrontEnds();
  const deployed = existsSync(deploymentFile) ? await readDeployment(deploymentFile).catch(() => null) : null;
  if (deployed && !JSON.stringify(deployed.creditLedger.abi).includes("registerOfficerKey")) {
    throw new Error(`${dataDir} was made before officers signed decisions (issue 14): its chain and database do not fit this version; remove the folder and start again`);
  }
  if (!deployed || !(await hasCode(env.CHAIN_RPC_URL, deployed.creditLedger.address))) {
    ensureArtifacts(say);
    const provider = new JsonRpcProvider(env.CHAIN_RPC_URL, undefined, { staticNetwork: true });
    // The admin deploys and keeps the default admin role; each role gets its own account. On the
    // embedded chain the admin delay (which also gates officers' passkeys) is one minute, not two days.
    const admin = new Wallet(env.CHAIN_ADMIN_KEY!, provider);
    const roles = rolesOf({ registrar: env.CHAIN_REGISTRAR_KEY!, creditAgency: env.CHAIN_CREDIT_AGENCY_KEY!, relayer: env.CHAIN_RELAYER_KEY!, anchorer: env.CHAIN_ANCHORER_KEY!, admin: null });
    const deployment = await deployOneCode({ signer: admin, roles, adminDelaySeconds: anvil ? LOCAL_ADMIN_DELAY_SECONDS : undefined });
    provider.destroy();
    await writeDeployment(deploymentFile, deployment);
    say(`contracts deployed: CodeRegistry ${deployment.codeRegistry.address}, CreditLedger ${deployment.creditLedger.address} (admin delay ${deployment.adminDelaySeconds} s)`);
  }

  const config = loadConfig(env);
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    await anvil?.stop();
    throw error;
  }
  say(`API listening on ${server.url} (database: ${server.ctx.db.mode})`);

  // Demo data, once, in order: the subjects, then the credit records of their enterprises.
  const demo = await seedDemoSubjects(server);
  if (demo) {
    const credit = await seedCreditDemo(server, demo.enterprises.map((e) => e.id));
    say(`demo data seeded: ${demo.persons.length} persons, ${demo.enterprises.length} enterprises, ${credit?.records.length ?? 0} credit records`);
  }
  const operators = await seedDemoOperators(server, dataDir);
  if (operators?.created) say(`demo operator accounts enrolled: ${operators.operators.map((o) => o.login).join(", ")}`);
  const face = await seedDemoFace(server, dataDir, env).catch((error: unknown): DemoFace => ({ status: "failed", reason: (error as Error).message }));
  if (face.status === "enrolled") say(`demo face reference enrolled for ${face.personName}`);

  // The browser's address: PUBLIC_URL (localhost, not the listening 127.0.0.1: passkeys refuse IP addresses).
  const base = config.publicUrl.replace(/\/+$/, "");
  console.log(`
OneCode is running.
  API          ${base}
  API docs     ${base}/docs
  health       ${base}/healthz   ready ${base}/readyz   metrics ${base}/metrics
  kiosk        ${base}/ui/        (open once as ${base}/ui/#token=<the kiosk token below>)
  verifier     ${base}/ui/verifier/
  back office  ${base}/ui/backoffice/
  wallet       ${base}/ui/wallet/   (a phone binds at the kiosk after the face check)
  publicity    ${base}/ui/publicity/
  auditor      ${base}/ui/audit/
  chain        ${env.CHAIN_RPC_URL}  (deployment ${deploymentFile})
  data         ${dataDir}   (API listening on ${server.url}; request log: LOG_LEVEL=info npm start)

Demo subjects (the kiosk looks them up by USCC or ID number):
${DEMO_ENTERPRISES.map((e) => `  ${e.uscc}  ${e.name}  (legal representative ${DEMO_PERSONS[e.rep]!.name})`).join("\n")}
${DEMO_PERSONS.map((p) => `  ${p.idNumber}  ${p.name}`).join("\n")}

${faceLines(face, base).join("\n")}

${demoOperatorLines(operators, base).join("\n")}

Machine tokens (8 h, for scripts and batch feeds; more with: npm run token -- ROLE SUB):`);
  const roles: Role[] = ["registrar", "credit_agency", "repair_officer", "auditor", "kiosk", "admin"];
  for (const role of roles) {
    console.log(`  ${role.padEnd(15)} ${await mintOperatorToken(config.operatorTokenSecret, { role, sub: `demo-${role.replace("_", "-")}` })}`);
  }
  console.log("\nCtrl-C stops everything; data stays in the data folder.");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping…`);
    await server.stop().catch((e: unknown) => console.error(e));
    await anvil?.stop();
    say("stopped; chain state saved");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** What `npm start` says about the demo face. */
function faceLines(face: DemoFace, base: string): string[] {
  switch (face.status) {
    case "enrolled":
    case "present":
      return [
        `Demo face: ${face.personName} (${face.idNumber}) has a reference photo from shared/faces. To try the kiosk's face check,`,
        "  start Chromium with the shared live video as its camera:",
        `  chromium --use-fake-device-for-media-stream --use-fake-ui-for-media-stream --use-file-for-fake-video-capture=${face.camera} ${base}/ui/`,
        "  (the person in the video turns to their right: when the kiosk asks for the other direction, try again).",
      ];
    case "absent":
      return [`Demo face: none (the shared face data was not found; looked in ${face.looked.join(", ")}; set ONECODE_FACES_DIR).`];
    case "failed":
      return [`Demo face: not enrolled (${face.reason}).`];
  }
}

export { parseEnvFile };

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`start failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
