// `npm start`'s demo operator accounts (scripts/demo/operators.ts) and demo face
// (scripts/demo/subjects.ts) against a whole test API: seven accounts created and enrolled
// through the API's own routes, their secrets in a file of the data folder (0600), the printed
// instructions followed to the letter (the printed command prints the code, the code and the
// printed password sign in), nothing created again on a restart or when the file is gone; the
// demo face enrolled from the shared photos, with a fake-camera video for Chromium, and a
// note instead when the photos are absent.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { facesDir } from "../face/data.ts";
import { DEMO_OPERATORS, demoOperatorLines, demoOperatorsFile, seedDemoOperators } from "../../scripts/demo/operators.ts";
import { DEMO_PERSONS, findFacesDir, seedDemoFace, seedDemoSubjects } from "../../scripts/demo/subjects.ts";
import { sessionCookieOf } from "./accounts.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");

describe("demo operators and face at npm start", () => {
  let t: TestApp;
  beforeAll(async () => {
    // The printed command reads the wall clock: so does this API.
    t = await buildTestApp({ clock: new TestClock(new Date()) });
  });
  afterAll(async () => t?.close());

  it("enrols seven accounts through the routes and signs in with the printed password and code", async () => {
    const dataDir = t.ctx.config.dataDir;
    const seed = await seedDemoOperators(t, dataDir);
    expect(seed).not.toBeNull();
    expect(seed!.created).toBe(true);
    expect(seed!.operators.map((o) => [o.login, o.roles])).toEqual(DEMO_OPERATORS.map((o) => [o.login, o.roles]));
    expect(seed!.operators.filter((o) => o.roles.includes("repair_officer"))).toHaveLength(2);
    // The secrets live in the data folder, readable by the owner only, never in the repository.
    const file = demoOperatorsFile(dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolve(file).startsWith(ROOT)).toBe(false);

    const lines = demoOperatorLines(seed, "http://localhost:8080");
    expect(lines[0]).toContain("http://localhost:8080/ui/backoffice/");
    const line = lines.find((l) => l.includes("wang.officer"))!;
    const password = /password (\S+)/.exec(line)![1]!;
    const command = /code: (node \S+ \S+)/.exec(line)![1]!.split(" ");
    expect(command.slice(0, 2)).toEqual(["node", "api/src/operators/totp.ts"]);
    const printed = execFileSync(process.execPath, command.slice(1), { cwd: ROOT, encoding: "utf8" });
    const code = /^(\d{6}) /.exec(printed)![1]!;

    const res = await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: "wang.officer", password, code } });
    expect(res.statusCode, res.body).toBe(200);
    const session = await t.app.inject({ method: "GET", url: "/v1/auth/session", headers: { cookie: sessionCookieOf(res) } });
    expect(session.json()).toMatchObject({ account: { login: "wang.officer", name: "王芳", roles: ["repair_officer"] } });
    // The same code a second time is refused (each code once); a wrong password too.
    expect((await t.app.inject({ method: "POST", url: "/v1/auth/totp", payload: { login: "wang.officer", password, code } })).statusCode).toBe(401);

    // Each account's creation is a ledger entry with its opaque id and roles, never its name.
    const created = (await t.db.pool.query<{ payload: string }>("SELECT payload FROM ledger WHERE type = 'operator.created'")).rows;
    expect(created).toHaveLength(7);
    for (const e of created) for (const o of DEMO_OPERATORS) expect(e.payload).not.toContain(o.name);
  });

  it("creates nothing again on a restart, nor when the secrets file is gone", async () => {
    const dataDir = t.ctx.config.dataDir;
    const before = (await t.db.pool.query("SELECT id, login FROM operator_accounts ORDER BY login")).rows;
    const again = await seedDemoOperators(t, dataDir);
    expect(again!.created).toBe(false);
    expect(again!.operators.map((o) => o.id).sort()).toEqual(before.map((r) => r.id).sort());
    rmSync(demoOperatorsFile(dataDir));
    expect(await seedDemoOperators(t, dataDir)).toBeNull();
    expect((await t.db.pool.query("SELECT id, login FROM operator_accounts ORDER BY login")).rows).toEqual(before);
    expect(demoOperatorLines(null, "http://localhost:8080").join("\n")).toContain("their file is gone");
  });

  it("enrols the demo face from the shared photos once, writes the fake camera, and says so when the photos are absent", async () => {
    expect(findFacesDir({ ONECODE_FACES_DIR: "/nonexistent" }, "/").dir).toBeNull();
    expect(findFacesDir({ ONECODE_FACES_DIR: "/nonexistent" }, "/").looked).toEqual(["ONECODE_FACES_DIR=/nonexistent", "/shared/faces"]);
    const dataDir = t.ctx.config.dataDir;
    expect((await seedDemoFace(t, dataDir)).status).toBe("failed"); // no demo person yet
    expect(await seedDemoSubjects(t)).not.toBeNull();
    const absent = await seedDemoFace(t, dataDir, { ONECODE_FACES_DIR: "/nonexistent" }, "/");
    expect(absent).toEqual({ status: "absent", looked: ["ONECODE_FACES_DIR=/nonexistent", "/shared/faces"] });
    expect(existsSync(join(dataDir, "demo-camera.y4m"))).toBe(false);
    // The test data is found as every face test finds it (test/face/data.ts: ONECODE_FACES_DIR,
    // walking up, or the machine's /work/shared/faces), and handed over as a deployment would.
    const shared = { ONECODE_FACES_DIR: facesDir() };
    expect(findFacesDir(shared).dir).toBe(facesDir());
    const face = await seedDemoFace(t, dataDir, shared);
    expect(face).toMatchObject({ status: "enrolled", personName: DEMO_PERSONS[0]!.name, camera: join(dataDir, "demo-camera.y4m") });
    const ref = await t.db.pool.query("SELECT f.person_id FROM face_references f JOIN subjects s ON s.id = f.person_id WHERE s.identifier = $1", [DEMO_PERSONS[0]!.idNumber]);
    expect(ref.rows).toHaveLength(1);
    const camera = join(dataDir, "demo-camera.y4m");
    expect(existsSync(camera)).toBe(true);
    expect(readFileSync(camera).subarray(0, 40).toString("latin1")).toMatch(/^YUV4MPEG2 W640 H480 F10:1/);
    expect((await seedDemoFace(t, dataDir, shared)).status).toBe("present");
  }, 120_000);
});
