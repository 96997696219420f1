// Write load through the API: registrars enrolling synthetic persons and enterprises
// (POST /v1/persons, /v1/enterprises) from a few concurrent loops, every answer recorded
// with the time it came back, so a fault scenario can ask what happened in each phase.
import { SubjectGenerator } from "../lib/synthetic.ts";
import type { HttpClient, HttpResult } from "./_http.ts";
import { sleep } from "./_stack.ts";

export interface WriteRecord {
  /** ms since the writers started, when the answer came back. */
  at: number;
  op: "person" | "enterprise" | "verify" | "probe";
  status: number;
  ms: number;
  code?: string;
  contentType?: string;
  error?: string;
  /** Subject id of a 201. */
  id?: string;
}

export interface Writers {
  records: WriteRecord[];
  /** Subject ids the API confirmed with 201. */
  enrolled: Set<string>;
  started: number;
  stop(): Promise<void>;
}

function record(r: HttpResult, op: WriteRecord["op"], started: number): WriteRecord {
  const body = r.body as { code?: string; id?: string } | null;
  return {
    at: performance.now() - started,
    op,
    status: r.status,
    ms: r.ms,
    code: body && typeof body === "object" ? body.code : undefined,
    contentType: r.contentType,
    error: r.error,
    id: r.status === 201 && body && typeof body === "object" ? body.id : undefined,
  };
}

export function startEnrolWriters(
  client: HttpClient,
  authorization: string,
  options: { concurrency?: number; seed?: number; pauseMs?: number; timeoutMs?: number; maxRequests?: number } = {},
): Writers {
  const generator = new SubjectGenerator({ seed: options.seed ?? 99 });
  const repIds = new Map<string, string>();
  const records: WriteRecord[] = [];
  const enrolled = new Set<string>();
  const started = performance.now();
  const maxRequests = options.maxRequests ?? 200_000;
  let stopped = false;
  let sent = 0;
  const headers = { authorization };
  const loop = async () => {
    while (!stopped && sent < maxRequests) {
      sent++;
      const s = generator.next();
      let r: HttpResult;
      if (s.kind === "person") {
        r = await client.request("POST", "/v1/persons", { body: { idNumber: s.idNumber, name: s.name }, headers, timeoutMs: options.timeoutMs ?? 15_000 });
        const rec = record(r, "person", started);
        records.push(rec);
        if (rec.id) {
          repIds.set(s.idNumber, rec.id);
          enrolled.add(rec.id);
        }
      } else {
        const rep = repIds.get(s.legalRepresentativeIdNumber);
        if (!rep) continue; // its representative's enrolment failed: nothing to refer to
        r = await client.request("POST", "/v1/enterprises", { body: { uscc: s.uscc, name: s.name, legalRepresentativeId: rep }, headers, timeoutMs: options.timeoutMs ?? 15_000 });
        const rec = record(r, "enterprise", started);
        records.push(rec);
        if (rec.id) enrolled.add(rec.id);
      }
      if (options.pauseMs) await sleep(options.pauseMs);
      else if (r.status === 0 || r.status >= 500) await sleep(50); // do not spin on a refused connection
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 4 }, loop);
  return {
    records,
    enrolled,
    started,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Probes /healthz and /readyz every `everyMs` until stopped; answers go into `records` as op "probe". */
export function startProbes(client: HttpClient, started: number, everyMs = 250): { records: Array<WriteRecord & { path: string; body: unknown }>; stop(): Promise<void> } {
  const records: Array<WriteRecord & { path: string; body: unknown }> = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const path of ["/healthz", "/readyz"]) {
        const r = await client.request("GET", path, { timeoutMs: 5000 });
        records.push({ ...record(r, "probe", started), path, body: r.body });
      }
      await sleep(everyMs);
    }
  })();
  return {
    records,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
