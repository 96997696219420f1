// Subjects straight into the database (schema of migration 001), for credit and repair tests.
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../api/src/db/database.ts";

let counter = 0;

export async function insertPerson(db: Queryable, name = "张三"): Promise<string> {
  counter += 1;
  const r = await db.query<{ id: string }>(
    "INSERT INTO subjects (kind, identifier, name, display_name, commitment, created_by) VALUES ('person', $1, $2, $3, $4, 'test') RETURNING id",
    [`44060419900101${String(1000 + counter).slice(-3)}${randomBytes(2).toString("hex")}`, name, `${name[0]}*`, randomBytes(32)],
  );
  return r.rows[0]!.id;
}

export async function insertEnterprise(db: Queryable, legalRepId: string | null = null, name = "佛山市禅城区示例有限公司"): Promise<string> {
  counter += 1;
  const r = await db.query<{ id: string }>(
    "INSERT INTO subjects (kind, identifier, name, display_name, commitment, legal_rep_id, created_by) VALUES ('enterprise', $1, $2, $3, $4, $5, 'test') RETURNING id",
    [`91440604${randomBytes(5).toString("hex").toUpperCase()}`, name, "佛山市**有限公司", randomBytes(32), legalRepId],
  );
  return r.rows[0]!.id;
}

/** A general administrative penalty with one fine, as the agency would send it. */
export function generalPenalty(subjectId: string, over: Record<string, unknown> = {}) {
  return {
    subjectId,
    kind: "admin_penalty",
    severity: "general",
    decidingUnit: "佛山市禅城区市场监督管理局",
    decisionNo: `禅市监罚〔2026〕${Math.floor(Math.random() * 1e6)}号`,
    decisionDate: "2026-05-12",
    legalBasis: "《中华人民共和国产品质量法》第四十九条",
    obligations: [{ type: "fine", amount: 20000, description: "罚款人民币贰万元" }],
    ...over,
  };
}
