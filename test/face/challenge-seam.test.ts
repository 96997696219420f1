// The test-only seam that fixes the face challenge for canned videos is fenced off from
// production: it is an option of prepareApp (api/src/boot.ts) that only code calling prepareApp
// itself can pass (buildTestApp); the server and the start script never pass it, nothing in the
// configuration or the environment reaches it, and the challenge route takes no choice from the
// request (test/kiosk/face-api.test.ts: a "challenge" field is a 400). Without it, directions are
// drawn at random.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { randomDirection } from "../../api/src/face/challenge.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const SEAM = "testOnlyFaceChallenge";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" ? [] : sources(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

describe("the face challenge's test-only seam", () => {
  it("is named in production code only where prepareApp takes its options", () => {
    const production = [...sources(join(ROOT, "api")), ...sources(join(ROOT, "scripts")), ...sources(join(ROOT, "kiosk")), ...sources(join(ROOT, "protocol"))];
    const naming = production.filter((f) => readFileSync(f, "utf8").includes(SEAM)).map((f) => relative(ROOT, f));
    expect(naming).toEqual(["api/src/boot.ts"]);
    const boot = readFileSync(join(ROOT, "api", "src", "boot.ts"), "utf8");
    // read from the options argument only, never from the config or the environment
    expect(boot).toMatch(new RegExp(`options\\.${SEAM} \\?\\? randomDirection`));
    expect(boot).not.toMatch(/process\.env/);
  });

  it("is not passed by the server or the start script", () => {
    for (const file of ["api/src/server.ts", "scripts/start.ts"]) {
      const text = readFileSync(join(ROOT, file), "utf8");
      expect(text, file).not.toContain(SEAM);
    }
  });

  it("leaves the production draw random: both directions, about half each", () => {
    const drawn = Array.from({ length: 400 }, () => randomDirection());
    const left = drawn.filter((d) => d === "left").length;
    expect(drawn.every((d) => d === "left" || d === "right")).toBe(true);
    expect(left).toBeGreaterThan(140); // binomial(400, 0.5): below 140 has probability < 1e-9
    expect(left).toBeLessThan(260);
  });
});
