// The one test command (`npm test`): type check, lint, compile, Solidity tests
// (unit, fuzz, invariant), then the vitest suites (unit, integration against
// real PostgreSQL and EVM, browser). Prints one plain summary line last:
// "N passed, N failed".
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface StepResult {
  passed: number;
  failed: number;
  skipped: number;
}

const root = join(import.meta.dirname, "..");
const outDir = join(root, ".test-output");
mkdirSync(outDir, { recursive: true });

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const keep = (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A check with no test count of its own (type check, lint, build) counts as one test. */
async function check(name: string, cmd: string, args: string[]): Promise<StepResult> {
  console.log(`\n== ${name}`);
  const { code } = await run(cmd, args);
  return code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
}

async function solidityTests(): Promise<StepResult> {
  console.log("\n== Solidity tests (unit, fuzz, invariant)");
  const { code, output } = await run("npx", ["hardhat", "test", "solidity"]);
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const passed = Number(/(\d+) passing/.exec(plain)?.[1] ?? 0);
  const failed = Number(/(\d+) failing/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/(\d+) (?:pending|skipped)/.exec(plain)?.[1] ?? 0);
  if (code !== 0 && failed === 0) return { passed, failed: 1, skipped };
  return { passed, failed, skipped };
}

async function vitestSuites(): Promise<StepResult> {
  console.log("\n== TypeScript tests (vitest)");
  const report = join(outDir, "vitest.json");
  const { code } = await run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
    };
    const failed = json.numFailedTests + (json.numFailedTests === 0 && code !== 0 ? 1 : 0);
    return { passed: json.numPassedTests, failed, skipped: json.numPendingTests + json.numTodoTests };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const results: StepResult[] = [];
results.push(await check("type check (tsc, and protocol/ without DOM)", "npm", ["run", "--silent", "typecheck"]));
results.push(await check("lint (eslint, solhint)", "npm", ["run", "--silent", "lint"]));
results.push(await check("compile contracts (hardhat build)", "npx", ["hardhat", "build"]));
results.push(await solidityTests());
results.push(await vitestSuites());

const total = results.reduce(
  (sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log("");
console.log(`${total.passed} passed, ${total.failed} failed` + (total.skipped ? `, ${total.skipped} skipped` : ""));
process.exit(total.failed === 0 ? 0 : 1);
