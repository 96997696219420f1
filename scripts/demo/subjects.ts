// Demo subjects for `npm start`: a few persons and enterprises with their legal
// representatives, enrolled once through the registrar's routes. scripts/start.ts calls
// this first, then the credit demo (./credit.ts) for the enterprises it returns.
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";
import { demoCaller, type DemoTarget } from "./api.ts";

export interface DemoSubjects {
  persons: Array<{ id: string; name: string; idNumber: string }>;
  enterprises: Array<{ id: string; name: string; uscc: string; legalRepresentativeId: string }>;
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

/** Enrols the demo subjects unless any subject exists already (then returns null). */
export async function seedDemoSubjects(target: DemoTarget): Promise<DemoSubjects | null> {
  const existing = await target.ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subjects");
  if (existing.rows[0]!.n > 0) return null;
  const registrar = await demoCaller(target, "registrar");
  const persons: DemoSubjects["persons"] = [];
  for (const p of DEMO_PERSONS) {
    const enrolled = await registrar.post<{ id: string }>("/v1/persons", { idNumber: p.idNumber, name: p.name });
    persons.push({ id: enrolled.id, ...p });
  }
  const enterprises: DemoSubjects["enterprises"] = [];
  for (const e of DEMO_ENTERPRISES) {
    const input = { uscc: e.uscc, name: e.name, legalRepresentativeId: persons[e.rep]!.id };
    const enrolled = await registrar.post<{ id: string }>("/v1/enterprises", input);
    enterprises.push({ id: enrolled.id, ...input });
  }
  return { persons, enterprises };
}
