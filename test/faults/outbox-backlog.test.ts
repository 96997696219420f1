// Fault: a long outbox backlog. Enrolments queue their chain writes while no outbox
// worker runs; a worker (its own process, real anvil) then drains them at a steady rate,
// measured in time windows, and every code is issued on chain exactly once. The suite
// runs a backlog of 3,000; `npm run faults -- outbox` runs the 100,000 of the issue.
import { describe, expect, it } from "vitest";
import { runOutboxDrain } from "../../scripts/bench/_outbox-drain.ts";

const COUNT = Number(process.env.FAULT_OUTBOX_COUNT ?? 3000);

describe("outbox backlog", () => {
  it(`drains ${COUNT} queued chain writes at a steady rate, each exactly once`, { timeout: 170_000 }, async () => {
    const lines: string[] = [];
    const result = await runOutboxDrain({ count: COUNT, windowMs: 2000, maxIssueBatch: 50, log: (l) => lines.push(l) });
    console.log(
      `outbox backlog: ${COUNT} writes filled in ${result.fillSeconds.toFixed(1)} s, drained in ${result.drainSeconds.toFixed(1)} s ` +
        `(${result.rate.toFixed(0)} writes/s, ${result.transactions} transactions, steadiness ${result.steadiness.toFixed(2)})\n` +
        result.windows.map((w) => `  t=${w.atSeconds.toFixed(1)}s ${w.perSecond.toFixed(0)}/s`).join("\n"),
    );
    expect(result.audit.problems).toEqual([]);
    expect(result.audit.codes).toBe(COUNT);
    expect(result.audit.issuedEvents).toBe(COUNT);
    // Batched: far fewer transactions than writes.
    expect(result.transactions).toBeLessThanOrEqual(Math.ceil(COUNT / 50) + 5);
    // Steady: no full window below a third of the median window.
    expect(result.steadiness).toBeGreaterThan(0.33);
  });
});
