// The policy versions and commitment texts stored in the database: loaded from the
// data files at boot when absent, read back for every evaluation.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Queryable } from "../db/database.ts";
import { NATIONAL_POLICIES } from "./policy/national.ts";
import type { Policy } from "./policy/types.ts";
import { COMMITMENT_TEXTS } from "./commitment.ts";
import { ensureShippedArrangements } from "./holidays.ts";

export function sha256(data: string | Uint8Array): Buffer {
  return createHash("sha256").update(data).digest();
}

/** Inserts the shipped policy versions, commitment texts and holiday arrangements that the database does not hold yet. */
export async function ensureCreditData(pool: pg.Pool | Queryable): Promise<void> {
  for (const p of NATIONAL_POLICIES) {
    await pool.query(
      `INSERT INTO credit_policies (version, effective_from, effective_to, title, source, rules)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (version) DO NOTHING`,
      [p.version, p.effectiveFrom, p.effectiveTo, p.title, p.source, JSON.stringify(p)],
    );
  }
  for (const c of COMMITMENT_TEXTS) {
    await pool.query(
      "INSERT INTO credit_commitment_texts (version, text, digest) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
      [c.version, c.text, sha256(c.text)],
    );
  }
  await ensureShippedArrangements(pool);
}

export async function loadPolicies(client: Queryable): Promise<Policy[]> {
  const rows = await client.query<{ version: string; effective_from: string; effective_to: string | null; title: string; source: string; rules: Policy }>(
    "SELECT version, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, to_char(effective_to, 'YYYY-MM-DD') AS effective_to, title, source, rules FROM credit_policies ORDER BY effective_from",
  );
  // The columns are authoritative for the identity and range of a version.
  return rows.rows.map((r) => ({ ...r.rules, version: r.version, effectiveFrom: r.effective_from, effectiveTo: r.effective_to, title: r.title, source: r.source }));
}
