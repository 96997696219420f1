// Demo data for `npm start`: a few persons and enterprises with their legal
// representatives, enrolled once. Other features add their own demo data (dishonesty
// records, applications) with registerSeedHook; scripts/start.ts imports every
// api/src/*/seed.ts, so a feature's seed file registers itself by being there.
import type { AppContext } from "../context.ts";
import { withTransaction } from "../db/database.ts";
import { enrolEnterprise, enrolPerson, type Enrolled } from "./enrol.ts";
import { residentIdCheckChar, usccCheckChar } from "../../../protocol/identifiers.ts";

export interface DemoSubjects {
  persons: Array<Enrolled & { name: string; idNumber: string }>;
  enterprises: Array<Enrolled & { name: string; uscc: string; legalRepresentativeId: string }>;
}

export type SeedHook = (ctx: AppContext, demo: DemoSubjects) => Promise<void>;
const hooks: Array<{ name: string; hook: SeedHook }> = [];

/** Runs after the demo subjects exist, once, in registration order. */
export function registerSeedHook(name: string, hook: SeedHook): void {
  if (!hooks.some((h) => h.name === name)) hooks.push({ name, hook });
}

const id = (first17: string) => first17 + residentIdCheckChar(first17);
const uscc = (first17: string) => first17 + usccCheckChar(first17);

export const DEMO_PERSONS = [
  { name: "张小三", idNumber: id("44060419850312001") },
  { name: "李晓梅", idNumber: id("44060419900721002") },
  { name: "王建国", idNumber: id("44060419780105003") },
  { name: "陈志强", idNumber: id("44060419881130005") },
];

export const DEMO_ENTERPRISES = [
  { name: "佛山市禅城区示例贸易有限公司", uscc: uscc("91440604MA4UDEM01"), rep: 0 },
  { name: "佛山市南庄陶瓷制品有限公司", uscc: uscc("91440604MA4UDEM02"), rep: 1 },
  { name: "佛山市祖庙餐饮管理有限公司", uscc: uscc("91440604MA4UDEM03"), rep: 3 },
];

/** Enrols the demo subjects unless subjects exist already; then runs the hooks. Returns null when skipped. */
export async function seedDemo(ctx: AppContext, actor = "registrar:demo-seed"): Promise<DemoSubjects | null> {
  const existing = await ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subjects");
  if (existing.rows[0]!.n > 0) return null;
  const at = ctx.clock.now();
  const demo = await withTransaction(ctx.db.pool, async (client) => {
    const persons: DemoSubjects["persons"] = [];
    for (const p of DEMO_PERSONS) persons.push({ ...p, ...(await enrolPerson(client, ctx.config.subjectKey, p, actor, at)) });
    const enterprises: DemoSubjects["enterprises"] = [];
    for (const e of DEMO_ENTERPRISES) {
      const legalRepresentativeId = persons[e.rep]!.id;
      enterprises.push({ name: e.name, uscc: e.uscc, legalRepresentativeId, ...(await enrolEnterprise(client, ctx.config.subjectKey, { uscc: e.uscc, name: e.name, legalRepresentativeId }, actor, at)) });
    }
    return { persons, enterprises };
  });
  for (const { hook } of hooks) await hook(ctx, demo);
  return demo;
}
