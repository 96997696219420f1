// Fault: the chain node stops for a while under write load (a real anvil, stopped and
// started again on the same port and state; the API in its own process with its workers).
// The API keeps enrolling and answering, /readyz reports the chain down, and after the
// restart the backlog drains: every code issued on chain exactly once, every ledger entry
// anchored exactly once. The suite runs a 10 s outage; `npm run faults -- chain` a longer one.
import { describe, expect, it } from "vitest";
import { runChainOutage } from "../../scripts/bench/_chain-outage.ts";

describe("chain node down under write load", () => {
  it("keeps serving, reports the chain down, and drains the backlog exactly once", { timeout: 170_000 }, async () => {
    const r = await runChainOutage({ upSeconds: 3, outageSeconds: 10, concurrency: 4 });
    console.log(
      `chain outage ${r.outageSeconds} s: ${r.during.created} enrolments during the outage (p99 ${r.during.p99Ms.toFixed(0)} ms); ` +
        `backlog ${r.backlogWrites} chain writes / ${r.backlogEntries} entries; first write ${r.resumeSeconds.toFixed(1)} s after the restart, drained in ${r.outboxDrainSeconds.toFixed(1)} s (outbox), ` +
        `${r.anchorDrainSeconds.toFixed(1)} s (anchors); ready again after ${r.readyAgainSeconds.toFixed(1)} s`,
    );
    // The API stays up and answers.
    expect(r.before.created).toBeGreaterThan(0);
    expect(r.during.created).toBeGreaterThan(0);
    expect(r.during.serverErrors).toBe(0);
    expect(r.during.other).toBe(0);
    expect(r.livenessFailures).toBe(0);
    // Readiness says the chain is down, every probe after the first second of the outage.
    expect(r.readyDuring.probes).toBeGreaterThan(3);
    expect(r.readyDuring.chainDown).toBe(r.readyDuring.probes);
    expect(r.readyDuring.notReady).toBe(r.readyDuring.probes);
    // A backlog built up and drained.
    expect(r.backlogWrites).toBeGreaterThan(0);
    expect(r.outboxDrainSeconds).toBeGreaterThanOrEqual(0);
    expect(r.anchorDrainSeconds).toBeGreaterThanOrEqual(0);
    // Zero lost, zero duplicated.
    expect(r.missingConfirmed).toBe(0);
    expect(r.codes.problems).toEqual([]);
    expect(r.codes.codes).toBe(r.enrolledByApi);
    expect(r.anchors.problems).toEqual([]);
    expect(r.ledgerProblems).toEqual([]);
    expect(r.enrolmentProblems).toEqual([]);
  });
});
