// Local refusal rules on and off (the administrator's switch). The national policies ship the
// rules some localities apply (less than a year since the last repair, two repairs in five
// years, the same kind within five years) switched off: they are not national law, and a
// district turns one on only on its own regulation. Switching is a change of the stored policy
// version (credit_policies.rules, read by every evaluation from then on: filings, the kiosk's
// view), with a reason from the list below (a code: the ledger takes no free text), who and
// when, and a ledger entry. The rule keeps its source (the document it comes from), shown next
// to its state. Evaluations stored at earlier filings keep the rules they were made under.
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction, type Queryable } from "../db/database.ts";
import { conflict, notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import type { Policy } from "./policy/types.ts";

export interface LocalRuleReason {
  code: string;
  zh: string;
  en: string;
}

export const LOCAL_RULE_REASONS: readonly LocalRuleReason[] = [
  { code: "local_regulation_adopted", zh: "本地信用修复办法已明确规定", en: "A local regulation on credit repair now provides for it" },
  { code: "local_regulation_repealed", zh: "本地规定已废止或修改", en: "The local provision was repealed or amended" },
  { code: "higher_authority_instruction", zh: "上级部门要求", en: "Instructed by a higher authority" },
  { code: "legal_review", zh: "经合法性审查", en: "After a legality review" },
  { code: "configuration_error", zh: "更正配置错误", en: "Corrects a configuration error" },
];

export const LOCAL_RULE_REASON_CODES = LOCAL_RULE_REASONS.map((r) => r.code);

/** Who switched a rule last, when, and why (kept on the rule in the stored policy). */
export interface RuleChange {
  enabled: boolean;
  reasonCode: string;
  at: string;
  by: string;
}

type StoredRule = Policy["refusalRules"][number] & { changed?: RuleChange };

export async function setLocalRule(client: Queryable, input: { version: string; ruleId: string; enabled: boolean; reasonCode: string; actor: string; now: Date }) {
  const row = (await client.query<{ rules: Policy }>("SELECT rules FROM credit_policies WHERE version = $1 FOR UPDATE", [input.version])).rows[0];
  if (!row) throw notFound("policy_not_found", `No policy version ${input.version}`);
  const rules = row.rules.refusalRules as StoredRule[];
  const rule = rules.find((r) => r.id === input.ruleId);
  if (!rule) throw notFound("rule_not_found", `${input.version} has no local rule ${input.ruleId} (it has ${rules.map((r) => r.id).join(", ") || "none"})`);
  if (rule.enabled === input.enabled) throw conflict("rule_unchanged", `${input.ruleId} is already ${input.enabled ? "on" : "off"}`);
  rule.enabled = input.enabled;
  rule.changed = { enabled: input.enabled, reasonCode: input.reasonCode, at: input.now.toISOString(), by: input.actor };
  await client.query("UPDATE credit_policies SET rules = $2 WHERE version = $1", [input.version, JSON.stringify(row.rules)]);
  await appendEntry(client, {
    type: "policy.local_rule_changed",
    payload: { policyVersion: input.version, ruleId: input.ruleId, enabled: input.enabled, reasonCode: input.reasonCode },
    actor: input.actor,
    at: input.now,
  });
  return { policyVersion: input.version, rule };
}

export function localRuleRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  const tags = ["credit"];
  app.get("/v1/credit/local-rule-reasons", { preHandler: app.requireRole("admin"), schema: { tags, summary: "The reasons an administrator gives for switching a local rule" } }, async () => ({
    reasons: LOCAL_RULE_REASONS,
  }));

  app.post<{ Params: { version: string; ruleId: string }; Body: { enabled: boolean; reasonCode: string } }>(
    "/v1/credit/policies/:version/local-rules/:ruleId",
    {
      preHandler: app.requireRole("admin"),
      schema: {
        tags,
        summary: "Switch a local refusal rule of a policy version on or off, for a reason from the list (ledger entry)",
        params: {
          type: "object",
          required: ["version", "ruleId"],
          properties: { version: { type: "string", minLength: 1, maxLength: 50 }, ruleId: { type: "string", pattern: "^[a-z0-9_.-]{1,100}$" } },
        },
        body: {
          type: "object",
          additionalProperties: false,
          required: ["enabled", "reasonCode"],
          properties: { enabled: { type: "boolean" }, reasonCode: { type: "string", enum: LOCAL_RULE_REASON_CODES } },
        },
      },
    },
    async (request) =>
      withTransaction(db.pool, (c) =>
        setLocalRule(c, { version: request.params.version, ruleId: request.params.ruleId, enabled: request.body.enabled, reasonCode: request.body.reasonCode, actor: actorOf(request.operator!), now: clock.now() }),
      ),
  );
}
