// What auditors, supervisors and administrators read in the back office: the access log, the
// supervisor's dashboard (applications by state, overdue, instant-decision share, median
// working days to decide, per unit), and the health of the chain writes and anchoring.
import type { FastifyInstance } from "fastify";
import type { Queryable } from "../db/database.ts";
import { chinaDate, compareDates, countWorkingDays, type CivilDate, type WorkingCalendar } from "../credit/calendar.ts";
import { loadWorkingCalendar } from "../credit/holidays.ts";

interface LogRow {
  id: number;
  at: Date;
  actor: string | null;
  account_id: string | null;
  action: string;
  subject_id: string | null;
  purpose: string | null;
  status: number | null;
  detail: Record<string, unknown>;
  ip: string | null;
  name: string | null;
  unit: string | null;
  login: string | null;
  subject_display: string | null;
}

export async function accessLog(db: Queryable, q: { account?: string; subject?: string; action?: string; before?: number; limit: number }) {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace("?", `$${args.length}`));
  };
  if (q.account) add("l.account_id = ?", q.account);
  if (q.subject) add("l.subject_id = ?", q.subject);
  if (q.action) add("l.action = ?", q.action);
  if (q.before) add("l.id < ?", q.before);
  args.push(q.limit);
  const r = await db.query<LogRow>(
    `SELECT l.*, a.name, a.unit, a.login, s.display_name AS subject_display
       FROM access_log l
       LEFT JOIN operator_accounts a ON a.id = l.account_id
       LEFT JOIN subjects s ON s.id = l.subject_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY l.id DESC LIMIT $${args.length}`,
    args,
  );
  return r.rows.map((l) => ({
    id: l.id,
    at: l.at.toISOString(),
    actor: l.actor,
    account: l.account_id ? { id: l.account_id, name: l.name, unit: l.unit, login: l.login } : null,
    action: l.action,
    subject: l.subject_id ? { id: l.subject_id, displayName: l.subject_display } : null,
    purpose: l.purpose,
    status: l.status,
    detail: l.detail,
    ip: l.ip,
  }));
}

interface AppRow {
  status: string;
  decision_mode: string;
  filed_on: CivilDate;
  accept_due: CivilDate | null;
  decide_due: CivilDate | null;
  decided_at: Date | null;
  accepted_by: string | null;
  decided_by: string | null;
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The unit of an actor "role:op_…" (an account), "system" for the policy's own decisions, else the actor's role. */
function unitOf(actor: string | null, units: Map<string, string>): string {
  if (!actor) return "unassigned";
  if (actor.startsWith("system:")) return "system";
  return units.get(actor.slice(actor.indexOf(":") + 1)) ?? "machine";
}

export function dashboardOf(apps: AppRow[], units: Map<string, string>, calendar: WorkingCalendar, now: Date) {
  const today = chinaDate(now);
  const byState: Record<string, number> = {};
  const perUnit = new Map<string, { unit: string; open: number; overdue: number; decided: number; days: number[] }>();
  const unit = (name: string) => perUnit.get(name) ?? perUnit.set(name, { unit: name, open: 0, overdue: 0, decided: 0, days: [] }).get(name)!;
  let overdue = 0;
  let decided = 0;
  let instant = 0;
  const days: number[] = [];
  for (const a of apps) {
    byState[a.status] = (byState[a.status] ?? 0) + 1;
    const open = a.status === "submitted" || a.status === "accepted" || a.status === "awaiting_second";
    if (open) {
      const due = a.status === "submitted" ? a.accept_due : a.decide_due;
      const late = due !== null && compareDates(today, due) > 0;
      const u = unit(unitOf(a.accepted_by, units));
      u.open++;
      if (late) {
        overdue++;
        u.overdue++;
      }
      continue;
    }
    decided++;
    const u = unit(unitOf(a.decided_by, units));
    u.decided++;
    if (a.decided_by?.startsWith("system:")) {
      instant++;
      continue;
    }
    if (a.decided_at) {
      const n = countWorkingDays(a.filed_on, chinaDate(a.decided_at), calendar).days;
      days.push(n);
      u.days.push(n);
    }
  }
  return {
    asOf: today,
    total: apps.length,
    byState,
    overdue,
    decided,
    instantShare: decided === 0 ? null : instant / decided,
    medianWorkingDaysToDecide: median(days),
    perUnit: [...perUnit.values()].map((u) => ({ unit: u.unit, open: u.open, overdue: u.overdue, decided: u.decided, medianWorkingDaysToDecide: median(u.days) })).sort((x, y) => x.unit.localeCompare(y.unit)),
  };
}

export async function dashboard(db: Queryable, now: Date, sinceDays: number) {
  const since = new Date(now.getTime() - sinceDays * 86400_000);
  const apps = await db.query<AppRow>(
    `SELECT a.status, a.decision_mode, a.filed_on::text AS filed_on, a.accept_due::text AS accept_due, a.decide_due::text AS decide_due,
            a.decided_at, a.accepted_by, d.officer AS decided_by
       FROM repair_applications a LEFT JOIN repair_decisions d ON d.application_id = a.id AND d.step = 'final'
      WHERE a.filed_at >= $1 OR a.status IN ('submitted', 'accepted', 'awaiting_second')`,
    [since],
  );
  const accounts = await db.query<{ id: string; unit: string }>("SELECT id, unit FROM operator_accounts");
  return { sinceDays, ...dashboardOf(apps.rows, new Map(accounts.rows.map((a) => [a.id, a.unit])), await loadWorkingCalendar(db), now) };
}

export async function health(db: Queryable, now: Date) {
  const outbox = await db.query<{ status: string; n: number; oldest: Date | null }>("SELECT status, count(*)::int AS n, min(created_at) AS oldest FROM chain_outbox GROUP BY status");
  const failed = await db.query<{ id: number; kind: string; error: string | null; attempts: number; created_at: Date }>(
    "SELECT id, kind, error, attempts, created_at FROM chain_outbox WHERE status = 'failed' ORDER BY id DESC LIMIT 20",
  );
  const anchor = await db.query<{ idx: number; from_seq: number; to_seq: number; status: string; tx_hash: string | null; created_at: Date; confirmed_at: Date | null }>(
    "SELECT idx, from_seq, to_seq, status, tx_hash, created_at, confirmed_at FROM anchors WHERE status = 'confirmed' ORDER BY idx DESC LIMIT 1",
  );
  const pendingAnchors = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM anchors WHERE status <> 'confirmed'");
  const head = await db.query<{ seq: number | null }>("SELECT max(seq) AS seq FROM ledger");
  const counts = Object.fromEntries(outbox.rows.map((r) => [r.status, r.n]));
  const open = outbox.rows.filter((r) => r.status === "pending" || r.status === "sent");
  const oldest = open.map((r) => r.oldest).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const last = anchor.rows[0] ?? null;
  const ledgerHead = head.rows[0]?.seq ?? 0;
  return {
    at: now.toISOString(),
    outbox: {
      pending: counts.pending ?? 0,
      sent: counts.sent ?? 0,
      done: counts.done ?? 0,
      failed: counts.failed ?? 0,
      oldestOpenSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null,
      failures: failed.rows.map((f) => ({ id: f.id, kind: f.kind, error: f.error, attempts: f.attempts, createdAt: f.created_at.toISOString() })),
    },
    anchoring: {
      ledgerHead,
      anchoredThrough: last?.to_seq ?? 0,
      unanchored: ledgerHead - (last?.to_seq ?? 0),
      pendingAnchors: pendingAnchors.rows[0]!.n,
      lastAnchor: last && { index: last.idx, fromSeq: last.from_seq, toSeq: last.to_seq, txHash: last.tx_hash, confirmedAt: last.confirmed_at?.toISOString() ?? null },
    },
  };
}

export function reportRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  const tags = ["back office"];

  app.get<{ Querystring: { account?: string; subject?: string; action?: string; before?: number; limit?: number } }>(
    "/v1/access-log",
    {
      preHandler: app.requireRole("auditor", "admin"),
      schema: {
        tags,
        summary: "Who read personal data or changed something, newest first",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            account: { type: "string", pattern: "^op_[0-9a-f]{20}$" },
            subject: { type: "string", format: "uuid" },
            action: { type: "string", maxLength: 200 },
            before: { type: "integer", minimum: 1 },
            limit: { type: "integer", minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (request) => ({ items: await accessLog(db.pool, { ...request.query, limit: request.query.limit ?? 100 }) }),
  );

  app.get<{ Querystring: { days?: number } }>(
    "/v1/backoffice/dashboard",
    {
      preHandler: app.requireRole("supervisor", "admin", "auditor"),
      schema: { tags, summary: "Applications by state, overdue, instant-decision share, median working days, per unit", querystring: { type: "object", properties: { days: { type: "integer", minimum: 1, maximum: 3660, default: 365 } } } },
    },
    async (request) => dashboard(db.pool, clock.now(), request.query.days ?? 365),
  );

  app.get("/v1/backoffice/health", { preHandler: app.requireRole("admin", "supervisor"), schema: { tags, summary: "Outbox backlog, failed chain writes, last anchor" } }, async () => health(db.pool, clock.now()));
}
