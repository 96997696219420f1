// Who is signed in (from the sign-in answer or GET /v1/auth/session), and what they may see.
import { setCsrf } from "./api.ts";

export type Role = "registrar" | "credit_agency" | "repair_officer" | "auditor" | "admin" | "supervisor";

export interface Me {
  account: { id: string; login: string; name: string; unit: string; roles: Role[] };
  method: "passkey" | "totp" | "oidc";
  csrfToken: string;
  expiresAt: string;
  idleSeconds: number;
}

let me: Me | null = null;

export function signedIn(next: Me | null): void {
  me = next;
  setCsrf(next?.csrfToken ?? null);
}

export function current(): Me | null {
  return me;
}

export function hasRole(...roles: Role[]): boolean {
  return me !== null && roles.some((r) => me!.account.roles.includes(r));
}
