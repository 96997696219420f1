// Demo subjects for `npm start`: a few persons and enterprises with their legal
// representatives, enrolled once, through the same enrolment functions the registrar's
// routes use. scripts/start.ts calls this first, then the credit demo (scripts/demo/credit.ts).
import type { AppContext } from "../../api/src/context.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { enrolEnterprise, enrolPerson, type Enrolled } from "../../api/src/subjects/enrol.ts";
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";

export interface DemoSubjects {
  persons: Array<Enrolled & { name: string; idNumber: string }>;
  enterprises: Array<Enrolled & { name: string; uscc: string; legalRepresentativeId: string }>;
}

const id = (first17: string) => first17 + residentIdCheckChar(first17);
const uscc = (first17: string) => first17 + usccCheckChar(first17);

export const DEMO_PERSONS = [
  { name: "张小三", idNumber: id("44060419850312001") },
  { name: "李晓梅", idNumber: id("44060419900721002") },
  { name: "王建国", idNumber: id("44060419780105003") },
  { name: "陈志强", idNumber: id("44060419881130005") },
];

/** `rep`: index in DEMO_PERSONS of the legal representative. */
export const DEMO_ENTERPRISES = [
  { name: "佛山市禅城区示例贸易有限公司", uscc: uscc("91440604MA4UDEM01"), rep: 0 },
  { name: "佛山市南庄陶瓷制品有限公司", uscc: uscc("91440604MA4UDEM02"), rep: 1 },
  { name: "佛山市祖庙餐饮管理有限公司", uscc: uscc("91440604MA4UDEM03"), rep: 3 },
];

/** Enrols the demo subjects in one transaction unless subjects exist already (then returns null). */
export async function seedDemoSubjects(ctx: AppContext, actor = "registrar:demo-seed"): Promise<DemoSubjects | null> {
  const existing = await ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subjects");
  if (existing.rows[0]!.n > 0) return null;
  const at = ctx.clock.now();
  return withTransaction(ctx.db.pool, async (client) => {
    const persons: DemoSubjects["persons"] = [];
    for (const p of DEMO_PERSONS) persons.push({ ...p, ...(await enrolPerson(client, ctx.config.subjectKey, p, actor, at)) });
    const enterprises: DemoSubjects["enterprises"] = [];
    for (const e of DEMO_ENTERPRISES) {
      const legalRepresentativeId = persons[e.rep]!.id;
      const input = { uscc: e.uscc, name: e.name, legalRepresentativeId };
      enterprises.push({ ...input, ...(await enrolEnterprise(client, ctx.config.subjectKey, input, actor, at)) });
    }
    return { persons, enterprises };
  });
}
