// `npm run faults -- [outbox|chain|pg|all] [--count 100000] [--outage 60] [--json]`
//
// The long fault runs (the test suite runs the same scenarios small, in test/faults/):
//   outbox  fill the outbox with --count (100,000) enrolments' chain writes while no worker
//           runs, then drain them with the outbox worker (its own process, real anvil);
//           rate per 10 s window; every code issued on chain exactly once
//   chain   stop the chain node for --outage (60) seconds under write load; the API keeps
//           enrolling and reports the chain down; drain time after the restart; exactly once
//   pg      restart a private PostgreSQL three ways under load (fast, immediate, SIGKILL);
//           only successes or 503 problems, no hang, no half-written row; exactly once
// Prints a table per scenario; with --json, one JSON object on the last line. Exit code 1
// when any check fails.
import { runChainOutage } from "./bench/_chain-outage.ts";
import { runOutboxDrain } from "./bench/_outbox-drain.ts";
import { runPgRestart } from "./bench/_pg-restart.ts";
import { parseArgs, printTable, round } from "./bench/_stack.ts";

export async function main(args: string[]): Promise<number> {
  const { flags, opt } = parseArgs(args);
  const which = args.find((a) => !a.startsWith("--") && ["outbox", "chain", "pg", "all"].includes(a)) ?? "all";
  const json = flags.has("--json");
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const out: Record<string, unknown> = {};
  const failures: string[] = [];

  // A scenario that throws (the API died, a drain never finished) is a failure like any other.
  const guard = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      log(`\n${name} FAILED: ${message.slice(0, 3000)}`);
      out[name] = { error: message.split("\n")[0] };
      failures.push(`${name}: ${message.split("\n")[0]}`);
    }
  };

  if (which === "outbox" || which === "all") await guard("outbox", async () => {
    const count = Number(opt("count", "100000"));
    log(`\n== outbox backlog of ${count}`);
    const r = await runOutboxDrain({ count, windowMs: 10_000, log });
    const problems = [...r.audit.problems];
    if (r.audit.codes !== count || r.audit.issuedEvents !== count) problems.push(`${r.audit.issuedEvents} issued on chain for ${r.audit.codes} codes, expected ${count}`);
    printTable(`outbox backlog: ${count} chain writes`, [
      ["fill (s)", round(r.fillSeconds, 1)],
      ["drain (s)", round(r.drainSeconds, 1)],
      ["rate (writes/s)", round(r.rate, 1)],
      ["issueCodes transactions", r.transactions],
      ["slowest / median window", round(r.steadiness, 2)],
      ...r.windows.map((w) => [`  window to t=${w.atSeconds.toFixed(0)} s (writes/s)`, round(w.perSecond, 0)] as [string, number]),
      ["codes / CodeIssued events", `${r.audit.codes} / ${r.audit.issuedEvents}`],
      ["exactly once", problems.length ? problems.join("; ") : "yes"],
    ]);
    out.outbox = {
      count,
      fillSeconds: round(r.fillSeconds, 1),
      drainSeconds: round(r.drainSeconds, 1),
      writesPerSec: round(r.rate, 1),
      steadiness: round(r.steadiness, 2),
      windows: r.windows.map((w) => ({ atSeconds: round(w.atSeconds, 1), perSecond: round(w.perSecond, 0) })),
      transactions: r.transactions,
      problems,
    };
    if (problems.length) failures.push(`outbox: ${problems.join("; ")}`);
  });

  if (which === "chain" || which === "all") await guard("chain", async () => {
    const outage = Number(opt("outage", "60"));
    log(`\n== chain node down for ${outage} s under write load`);
    const r = await runChainOutage({ upSeconds: 5, outageSeconds: outage, concurrency: 4, log });
    const problems = [...r.codes.problems, ...r.anchors.problems, ...r.ledgerProblems, ...r.enrolmentProblems];
    if (r.during.serverErrors || r.during.other) problems.push(`${r.during.serverErrors + r.during.other} failed requests during the outage`);
    if (r.readyDuring.chainDown !== r.readyDuring.probes) problems.push("readiness did not report the chain down");
    if (r.missingConfirmed) problems.push(`${r.missingConfirmed} confirmed enrolments missing`);
    printTable(`chain outage: ${outage} s`, [
      ["enrolments before / during the outage", `${r.before.created} / ${r.during.created}`],
      ["failed requests during the outage", r.during.serverErrors + r.during.other],
      ["p99 during the outage (ms)", round(r.during.p99Ms, 1)],
      ["readiness probes saying chain down", `${r.readyDuring.chainDown} of ${r.readyDuring.probes}`],
      ["backlog at restart (writes / entries)", `${r.backlogWrites} / ${r.backlogEntries}`],
      ["first backlog write done after restart (s)", round(r.resumeSeconds, 1)],
      ["outbox drained after restart (s)", round(r.outboxDrainSeconds, 1)],
      ["anchors drained after restart (s)", round(r.anchorDrainSeconds, 1)],
      ["ready again after restart (s)", round(r.readyAgainSeconds, 1)],
      ["exactly once", problems.length ? problems.join("; ") : "yes"],
    ]);
    out.chain = {
      outageSeconds: outage,
      enrolledDuringOutage: r.during.created,
      backlogWrites: r.backlogWrites,
      backlogEntries: r.backlogEntries,
      resumeSeconds: round(r.resumeSeconds, 1),
      outboxDrainSeconds: round(r.outboxDrainSeconds, 1),
      anchorDrainSeconds: round(r.anchorDrainSeconds, 1),
      readyAgainSeconds: round(r.readyAgainSeconds, 1),
      problems,
    };
    if (problems.length) failures.push(`chain: ${problems.join("; ")}`);
  });

  if (which === "pg" || which === "all") await guard("pg", async () => {
    log(`\n== PostgreSQL restarts under load`);
    const r = await runPgRestart({ steadySeconds: 8, concurrency: 4, log });
    const problems = [...r.codes.problems, ...r.anchors.problems, ...r.ledgerProblems, ...r.enrolmentProblems];
    if (r.unclean.length) problems.push(`${r.unclean.length} unclean answers (${r.apiErrors.slice(0, 3).join(" | ")})`);
    if (r.hangs) problems.push(`${r.hangs} requests without an answer`);
    if (r.lostConfirmed) problems.push(`${r.lostConfirmed} confirmed enrolments lost`);
    for (const w of r.windows) if (w.recoverySeconds < 0) problems.push(`no recovery after the ${w.mode} restart`);
    printTable("PostgreSQL restarts", [
      ["requests / ok / clean 503", `${r.requests} / ${r.successes} / ${r.unavailable}`],
      ["unclean answers / hangs", `${r.unclean.length} / ${r.hangs}`],
      ["slowest answer (ms)", round(r.maxMs, 0)],
      ...r.windows.map((w) => [`${w.mode}: down (s), writes again after (s)`, `${round(w.downSeconds, 1)}, ${round(w.recoverySeconds, 2)}`] as [string, string]),
      ["subjects (committed but answered 503)", `${r.subjects} (${r.committedButUnavailable})`],
      ["drain after the load (s)", round(r.drainSeconds, 1)],
      ["exactly once, nothing half written", problems.length ? problems.join("; ") : "yes"],
    ]);
    out.pg = {
      requests: r.requests,
      unavailable: r.unavailable,
      unclean: r.unclean.length,
      hangs: r.hangs,
      windows: r.windows.map((w) => ({ mode: w.mode, downSeconds: round(w.downSeconds, 1), recoverySeconds: round(w.recoverySeconds, 2) })),
      drainSeconds: round(r.drainSeconds, 1),
      problems,
    };
    if (problems.length) failures.push(`pg: ${problems.join("; ")}`);
  });

  out.ok = failures.length === 0;
  if (failures.length) log(`\nFAILED:\n  ${failures.join("\n  ")}`);
  if (json) console.log(JSON.stringify(out));
  return failures.length ? 1 : 0;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
