// Fault: PostgreSQL restarts under load (a private cluster of the real server binaries,
// so the shared server is never touched): fast shutdown, immediate shutdown, SIGKILL of
// the postmaster. Requests fail cleanly (503 problem+json, never a hang or a 500), the API
// recovers by itself, no enrolment is half written, and after the drain every code is
// issued and every ledger entry anchored exactly once.
import { describe, expect, it } from "vitest";
import { runPgRestart } from "../../scripts/bench/_pg-restart.ts";

describe("PostgreSQL restart under load", () => {
  it("answers 503 problems while down, recovers alone, and leaves no half-written row", { timeout: 170_000 }, async () => {
    const r = await runPgRestart({ steadySeconds: 4, concurrency: 3 });
    console.log(
      `pg restart: ${r.requests} requests, ${r.successes} ok, ${r.unavailable} clean 503s, ${r.unclean.length} unclean, ${r.hangs} hangs, max ${r.maxMs.toFixed(0)} ms; ` +
        r.windows.map((w) => `${w.mode}: down ${w.downSeconds.toFixed(1)} s, writes again ${w.recoverySeconds.toFixed(2)} s after`).join("; ") +
        `; ${r.subjects} subjects (${r.committedButUnavailable} committed but answered 503); drained in ${r.drainSeconds.toFixed(1)} s`,
    );
    expect({ unclean: r.unclean.slice(0, 5), causes: r.apiErrors.slice(0, 5) }).toEqual({ unclean: [], causes: [] });
    expect(r.hangs).toBe(0);
    expect(r.maxMs).toBeLessThan(15_000);
    expect(r.unavailable).toBeGreaterThan(0); // the faults did reach the requests
    for (const w of r.windows) {
      expect(w.recoverySeconds, `${w.mode}: no successful write after the restart`).toBeGreaterThanOrEqual(0);
      expect(w.recoverySeconds).toBeLessThan(10);
    }
    expect(r.lostConfirmed).toBe(0);
    expect(r.ledgerProblems).toEqual([]);
    expect(r.enrolmentProblems).toEqual([]);
    expect(r.codes.problems).toEqual([]);
    expect(r.codes.codes).toBe(r.subjects);
    expect(r.anchors.problems).toEqual([]);
  });
});
