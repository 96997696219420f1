// Demo operator accounts for `npm start`: two repair officers (a serious-list removal needs
// two), a registrar, a credit-agency user, an administrator, an auditor and a supervisor,
// created and enrolled once through the API's own routes, as an administrator and the person
// would: POST /v1/admin/operators (an admin token), then the person's enrolment with the
// one-time code, a password and TOTP (POST /v1/auth/enrol/totp and …/confirm). Their passwords
// and TOTP secrets go to DATA_DIR/demo-operators.json (mode 0600, beside secrets.env, never in
// the repository); a restart reads them back and creates nothing. `printDemoOperators` says
// how to sign in: the URL, each login and password, and the command that prints the current
// code (node api/src/operators/totp.ts SECRET), and the development passkey path.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Role } from "../../api/src/auth/operators.ts";
import { base32Decode, STEP_SECONDS, totpAt } from "../../api/src/operators/totp.ts";
import { demoCaller, type DemoTarget } from "./api.ts";

export interface DemoOperator {
  login: string;
  name: string;
  unit: string;
  roles: Role[];
  id: string;
  password: string;
  /** Base32, as an authenticator app takes it. */
  totpSecret: string;
}

export const DEMO_OPERATORS: ReadonlyArray<Pick<DemoOperator, "login" | "name" | "unit" | "roles">> = [
  { login: "li.officer", name: "李文", unit: "禅城区发展和改革局", roles: ["repair_officer"] },
  { login: "wang.officer", name: "王芳", unit: "禅城区发展和改革局", roles: ["repair_officer"] },
  { login: "zhao.registrar", name: "赵敏", unit: "禅城区政务服务中心", roles: ["registrar"] },
  { login: "sun.agency", name: "孙强", unit: "禅城区市场监督管理局", roles: ["credit_agency"] },
  { login: "chen.admin", name: "陈静", unit: "禅城区政务服务数据管理局", roles: ["admin"] },
  { login: "he.auditor", name: "何平", unit: "禅城区审计局", roles: ["auditor"] },
  { login: "zhou.supervisor", name: "周洁", unit: "禅城区发展和改革局", roles: ["supervisor"] },
];

export const demoOperatorsFile = (dataDir: string) => join(dataDir, "demo-operators.json");

export interface DemoOperatorSeed {
  operators: DemoOperator[];
  /** False: read back from the file (a restart), nothing created. */
  created: boolean;
  file: string;
}

async function enrol(target: DemoTarget, login: string, code: string, password: string): Promise<string> {
  const started = await target.app.inject({ method: "POST", url: "/v1/auth/enrol/totp", payload: { login, code, password } });
  if (started.statusCode !== 200) throw new Error(`demo operators: enrolling ${login} answered ${started.statusCode}: ${started.body}`);
  const secret = started.json().secret as string;
  // Confirmed with the previous step's code (the API allows one step of clock drift), so the code
  // the person reads right after `npm start` is still unused and signs them in at once.
  const now = target.ctx.clock.now();
  for (const at of [new Date(now.getTime() - STEP_SECONDS * 1000), now]) {
    const confirmed = await target.app.inject({ method: "POST", url: "/v1/auth/enrol/totp/confirm", payload: { login, code, totp: totpAt(base32Decode(secret), at) } });
    if (confirmed.statusCode === 200) return secret;
    if (confirmed.json().code !== "credentials_invalid") throw new Error(`demo operators: confirming ${login} answered ${confirmed.statusCode}: ${confirmed.body}`);
  }
  throw new Error(`demo operators: the TOTP code of ${login} was refused`);
}

/**
 * Creates and enrols the demo accounts once. With the file present, reads it back (a restart);
 * with the accounts present but no file (the file was deleted), creates nothing and returns
 * null: the administrator resets them from the back office instead.
 */
export async function seedDemoOperators(target: DemoTarget, dataDir: string): Promise<DemoOperatorSeed | null> {
  const file = demoOperatorsFile(dataDir);
  if (existsSync(file)) return { operators: JSON.parse(readFileSync(file, "utf8")) as DemoOperator[], created: false, file };
  const logins = DEMO_OPERATORS.map((o) => o.login);
  const existing = await target.ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM operator_accounts WHERE login = ANY($1)", [logins]);
  if (existing.rows[0]!.n > 0) return null;
  const admin = await demoCaller(target, "admin");
  const operators: DemoOperator[] = [];
  for (const o of DEMO_OPERATORS) {
    const made = await admin.post<{ account: { id: string }; enrolmentCode: string }>("/v1/admin/operators", o);
    const password = `demo-${randomBytes(9).toString("base64url")}`;
    const totpSecret = await enrol(target, o.login, made.enrolmentCode, password);
    operators.push({ ...o, id: made.account.id, password, totpSecret });
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(operators, null, 2)}\n`, { mode: 0o600 });
  return { operators, created: true, file };
}

/** The sign-in instructions `npm start` prints. */
export function demoOperatorLines(seed: DemoOperatorSeed | null, publicUrl: string): string[] {
  const base = publicUrl.replace(/\/+$/, "");
  if (!seed) {
    return [`Back office  ${base}/ui/backoffice/`, "  demo accounts exist but their file is gone: sign in as an admin you made, or remove the data folder to start afresh"];
  }
  const width = Math.max(...seed.operators.map((o) => o.login.length));
  const roleWidth = Math.max(...seed.operators.map((o) => o.roles.join(",").length));
  return [
    `Back office  ${base}/ui/backoffice/   (demo accounts: password + authenticator code; secrets in ${seed.file})`,
    ...seed.operators.map((o) => `  ${o.login.padEnd(width)}  ${o.roles.join(",").padEnd(roleWidth)}  ${o.name}  password ${o.password}  code: node api/src/operators/totp.ts ${o.totpSecret}`),
    "  Each code works once; the command prints the current one (or add the secret to an authenticator app).",
    "  Passkeys in a plain browser (development): Chrome/Chromium DevTools → ⋮ → More tools → WebAuthn →",
    "  \"Enable virtual authenticator environment\" → Add (ctap2, internal, resident key and user verification on);",
    "  sign in with the code, then 我的账户 / My account → add a passkey, and sign in with it next time.",
    "  An officer's decisions are signed with their passkey: its key is registered on the ledger by chen.admin",
    "  (系统管理 / System → register), usable after the admin delay (one minute on the local chain).",
  ];
}
