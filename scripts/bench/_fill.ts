// Filling a database with enrolled subjects through the real enrolment code
// (api/src/subjects/enrol.ts: subject row, ledger entries, code, outbox row in one
// transaction per chunk), from the synthetic generator. Used where a test needs a
// backlog of real chain writes without the HTTP layer in between.
import type pg from "pg";
import { withTransaction } from "../../api/src/db/database.ts";
import { enrolEnterprise, enrolPerson } from "../../api/src/subjects/enrol.ts";
import { SubjectGenerator } from "../lib/synthetic.ts";

export interface FilledSubject {
  id: string;
  kind: "person" | "enterprise";
  codeId: string;
}

export interface FillResult {
  subjects: FilledSubject[];
  persons: number;
  enterprises: number;
  seconds: number;
}

/** Enrols `count` synthetic subjects (30 % enterprises) in transactions of `chunk`. */
export async function fillSubjects(
  pool: pg.Pool,
  subjectKey: Uint8Array,
  count: number,
  options: { seed?: number; chunk?: number; actor?: string; at?: Date; onProgress?: (done: number) => void } = {},
): Promise<FillResult> {
  const started = performance.now();
  const generator = new SubjectGenerator({ seed: options.seed ?? 7 });
  const chunk = options.chunk ?? 500;
  const actor = options.actor ?? "registrar:bench";
  const at = options.at ?? new Date();
  const idOf = new Map<string, string>();
  const subjects: FilledSubject[] = [];
  let persons = 0;
  let enterprises = 0;
  for (let done = 0; done < count; ) {
    const n = Math.min(chunk, count - done);
    const batch = [...generator.take(n)];
    const enrolled = await withTransaction(pool, async (client) => {
      const out: FilledSubject[] = [];
      for (const s of batch) {
        if (s.kind === "person") {
          const e = await enrolPerson(client, subjectKey, { idNumber: s.idNumber, name: s.name }, actor, at);
          idOf.set(s.idNumber, e.id);
          out.push({ id: e.id, kind: "person", codeId: e.codeId });
        } else {
          const rep = idOf.get(s.legalRepresentativeIdNumber);
          if (!rep) throw new Error(`legal representative ${s.legalRepresentativeIdNumber} not enrolled`);
          const e = await enrolEnterprise(client, subjectKey, { uscc: s.uscc, name: s.name, legalRepresentativeId: rep }, actor, at);
          out.push({ id: e.id, kind: "enterprise", codeId: e.codeId });
        }
      }
      return out;
    });
    for (const e of enrolled) {
      subjects.push(e);
      if (e.kind === "person") persons++;
      else enterprises++;
    }
    done += n;
    options.onProgress?.(done);
  }
  return { subjects, persons, enterprises, seconds: (performance.now() - started) / 1000 };
}
