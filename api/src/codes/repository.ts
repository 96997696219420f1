// SQL of the codes table for the lifecycle (suspend, reinstate, revoke, rotate). Issuing
// (./issue.ts), verification (./verify.ts) and the status list (./status-list.ts) keep their
// few statements beside their logic.
import type { Queryable } from "../db/database.ts";
import type { CodeKind } from "../../../protocol/codes/token-format.ts";

export type CodeStatus = "active" | "suspended" | "revoked";

export interface LockedCode {
  code_id: string;
  status: CodeStatus;
  subject_id: string;
  commitment: Buffer;
  kind: CodeKind;
  /** A newer code replaces this one (it was rotated away). */
  replaced: boolean;
}

export function createCodeRepository(db: Queryable) {
  return {
    /** The code with its subject's commitment and kind, row-locked until the caller's transaction ends. */
    async codeForUpdate(codeId: string): Promise<LockedCode | null> {
      const r = await db.query<LockedCode>(
        `SELECT c.code_id, c.status, c.subject_id, s.commitment, s.kind,
                EXISTS (SELECT 1 FROM codes n WHERE n.replaces = c.code_id) AS replaced
           FROM codes c JOIN subjects s ON s.id = c.subject_id
          WHERE c.code_id = $1 FOR UPDATE OF c`,
        [codeId],
      );
      return r.rows[0] ?? null;
    },

    async setStatus(codeId: string, status: CodeStatus, at: Date): Promise<void> {
      await db.query("UPDATE codes SET status = $2, changed_at = $3 WHERE code_id = $1", [codeId, status, at]);
    },
  };
}
