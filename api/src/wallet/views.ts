// What a holder sees in the wallet, always of the one subject their device is bound to: who
// they are, their records under publicity with the date repair becomes possible, their 免申即享
// notices (the scheduler's credit_notifications), the phones bound to them, and for an
// enterprise the people who may act for it. Dates are civil dates (YYYY-MM-DD, China time);
// the wallet words them ("2027-02-02 起可以申请修复").
import type { Queryable } from "../db/database.ts";
import { subjectRecordsView } from "../credit/views.ts";
import { createFaceRepository } from "../face/repository.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { createWalletRepository, type DeviceRow } from "./repository.ts";

export async function meView(db: Queryable, device: DeviceRow) {
  const subjects = createSubjectRepository(db);
  const subject = await subjects.get(device.subject_id);
  const holder = await subjects.get(device.holder_id);
  return {
    subject: { kind: subject.kind, displayName: subject.display_name, creditStatus: subject.credit_status },
    holder: { displayName: holder.display_name, capacity: device.capacity },
    device: { id: device.id, name: device.name, boundAt: device.bound_at.toISOString() },
  };
}

type Item = { id: string; kind: string; severity: string; decidingUnit: string; decisionNo: string; decisionDate: string; lastPublicDay: string | null; notRepairableBasis: string | null; evaluation?: { earliestDate: string | null; reasons: { code: string }[] } };

/** The subject's records under publicity, each with what repair it allows and from when. */
export async function recordsView(db: Queryable, subjectId: string, now: Date) {
  const view = await subjectRecordsView(db, subjectId, now);
  const entry = (r: Item, repair: "now" | "later" | "in_review" | "never") => ({
    id: r.id,
    kind: r.kind,
    severity: r.severity,
    decidingUnit: r.decidingUnit,
    decisionNo: r.decisionNo,
    decisionDate: r.decisionDate,
    publicUntil: r.lastPublicDay,
    repair,
    repairFrom: repair === "later" ? (r.evaluation?.earliestDate ?? null) : null,
    notRepairableBasis: repair === "never" ? r.notRepairableBasis : null,
    reasonCodes: (r.evaluation?.reasons ?? []).map((x) => x.code),
  });
  const records = [
    ...(view.repairableNow as Item[]).map((r) => entry(r, "now")),
    ...(view.inReview as Item[]).map((r) => entry(r, "in_review")),
    ...(view.later as Item[]).map((r) => entry(r, "later")),
    ...(view.notRepairable as Item[]).map((r) => entry(r, "never")),
  ];
  return { asOf: view.asOf, creditStatus: view.subject.creditStatus, records, endedCount: view.ended.length };
}

/** The 免申即享 notices of the subject, newest first, with the record they are about. */
export async function noticesView(db: Queryable, subjectId: string, now: Date) {
  const view = await subjectRecordsView(db, subjectId, now);
  const all = [...view.repairableNow, ...view.inReview, ...view.later, ...view.notRepairable, ...view.ended] as (Item & { status?: string })[];
  const byId = new Map(all.map((r) => [r.id, r]));
  const notices = (view.notifications as { id: number; recordId: string; kind: string; createdAt: string; seen: boolean }[])
    .map((n) => {
      const r = byId.get(n.recordId);
      const stillRepairable = (view.repairableNow as Item[]).some((x) => x.id === n.recordId);
      return { id: n.id, kind: n.kind, recordId: n.recordId, decisionNo: r?.decisionNo ?? null, decidingUnit: r?.decidingUnit ?? null, createdAt: n.createdAt, seen: n.seen, stillRepairable };
    })
    .reverse();
  return { notices, unseen: notices.filter((n) => !n.seen).length };
}

/** May `me` unbind `other`? Its own holder's phones always; the legal representative (or a person) any of the subject's. */
export const mayRemove = (me: DeviceRow, other: DeviceRow): boolean =>
  me.subject_id === other.subject_id && (other.holder_id === me.holder_id || me.capacity === "legal_representative" || me.capacity === "self");

export async function devicesView(db: Queryable, me: DeviceRow) {
  const subjects = createSubjectRepository(db);
  const devices = (await createWalletRepository(db).devicesOf(me.subject_id)).filter((d) => mayRemove(me, d));
  const names = new Map<string, string>();
  for (const id of new Set(devices.map((d) => d.holder_id))) names.set(id, (await subjects.get(id)).display_name);
  return {
    devices: devices.map((d) => ({
      id: d.id,
      name: d.name,
      holder: names.get(d.holder_id)!,
      capacity: d.capacity,
      boundAt: d.bound_at.toISOString(),
      lastSeenAt: d.last_seen_at?.toISOString() ?? null,
      current: d.id === me.id,
    })),
  };
}

/** For an enterprise: its legal representative and the agents whose authorisation runs now. */
export async function representativesView(db: Queryable, enterpriseId: string, now: Date) {
  const subjects = createSubjectRepository(db);
  const enterprise = await subjects.get(enterpriseId);
  const legal = enterprise.legal_rep_id ? await subjects.find(enterprise.legal_rep_id) : null;
  const agents = [];
  for (const a of await createFaceRepository(db).authorisationsOf(enterpriseId)) {
    if (a.revoked_at || a.valid_from.getTime() > now.getTime() || a.valid_until.getTime() <= now.getTime()) continue;
    const agent = await subjects.find(a.agent_id);
    if (agent) agents.push({ displayName: agent.display_name, reference: a.reference, validUntil: a.valid_until.toISOString() });
  }
  return { enterprise: { displayName: enterprise.display_name }, legalRepresentative: legal ? { displayName: legal.display_name } : null, agents };
}
