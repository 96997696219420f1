// The Node.js version check that runs before every npm entry point (scripts/preflight.cjs, the
// package's pre-scripts): an old Node gets the README's Node 24 hint and exit 1, a current one
// passes silently. Run as a child process, as npm runs it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const PREFLIGHT = join(ROOT, "scripts", "preflight.cjs");
const HINT = 'npm install -g --prefix "$HOME/.node24" node@24 && export PATH="$HOME/.node24/bin:$PATH"';

function preflight(node: string, fakeVersion?: string) {
  const env = { ...process.env };
  delete env.ONECODE_PREFLIGHT_NODE_VERSION;
  if (fakeVersion) env.ONECODE_PREFLIGHT_NODE_VERSION = fakeVersion;
  return spawnSync(node, [PREFLIGHT], { env, encoding: "utf8" });
}

/** A Node.js older than 22 installed on this machine (Debian's /usr/bin/node is 20 here), or null. */
function oldNode(): string | null {
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) < 22) return candidate;
  }
  return null;
}

describe("preflight: the Node.js version check", () => {
  it("passes silently on this Node", () => {
    const run = preflight(process.execPath);
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe("");
  });

  it.each(["v20.20.2", "v18.19.0", "v22.10.0", "v22.17.1", "v23.11.0", "v24.1.0", "garbage"])("refuses %s with the README's hint and exit 1", (version) => {
    const run = preflight(process.execPath, version);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`this is Node.js ${version}.`);
    expect(run.stderr).toContain(HINT);
    expect(run.stdout).toBe("");
  });

  it.each(["v22.18.0", "v22.21.1", "v24.2.0", "v24.21.0", "v25.1.0"])("accepts %s", (version) => {
    expect(preflight(process.execPath, version).status).toBe(0);
  });

  it("the hint is the README's", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(HINT);
  });

  it("every entry point that runs TypeScript under node runs the check first", () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const entries = Object.keys(scripts).filter((name) => !name.startsWith("pre") && /^node \S+\.ts\b/.test(scripts[name]!));
    expect(entries.length).toBeGreaterThan(8);
    for (const name of entries) expect(scripts[`pre${name}`], name).toBe("node scripts/preflight.cjs");
  });

  // The real thing: parsed and run by an old Node, where the project's .ts files would fail.
  const old = oldNode();
  it.skipIf(!old)(`an installed old Node (${old ?? "none on this machine, so this case is skipped"}) gets the hint`, () => {
    const run = preflight(old!);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(HINT);
  });

  const oldNpm = old && existsSync(join(dirname(old), "npm")) ? join(dirname(old), "npm") : null;
  it.skipIf(!oldNpm)(`\`npm start\` under the old Node's npm (${oldNpm ?? "none"}) stops at the hint before start.ts runs`, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(old!)}:${process.env.PATH ?? ""}` };
    delete env.ONECODE_PREFLIGHT_NODE_VERSION;
    const run = spawnSync(oldNpm!, ["start"], { cwd: ROOT, env, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(HINT);
    expect(run.stdout + run.stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
    expect(run.stdout).not.toContain("[start");
  });
});
