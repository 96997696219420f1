// The demo data of `npm start` (scripts/demo/): publishes once, and gives the kiosk and the
// officers something to show.
import { afterAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { seedCreditDemo } from "../../scripts/demo/credit.ts";
import { DEMO_ENTERPRISES, DEMO_PERSONS, seedDemoSubjects } from "../../scripts/demo/subjects.ts";
import { insertEnterprise, insertPerson } from "./fixtures.ts";

// Each case seeds an empty database of its own.
const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});
async function freshApp(): Promise<TestApp> {
  const t = await buildTestApp({ clock: new TestClock("2026-11-26T02:00:00.000Z") });
  apps.push(t);
  return t;
}

describe("the demo data", () => {
  it("seedCreditDemo: records in every kiosk group and one queued application, once", async () => {
    const t = await freshApp();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await insertEnterprise(t.db.pool, await insertPerson(t.db.pool)));
    const seed = await seedCreditDemo(t, ids);
    expect(seed?.records).toHaveLength(5);
    expect(seed?.applications).toHaveLength(1);
    expect(await seedCreditDemo(t, ids)).toBeNull();
    const kiosk = await t.auth("kiosk");
    const first = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ids[0]}/records`, headers: kiosk })).json();
    expect([first.repairableNow.length, first.later.length]).toEqual([1, 1]);
    const second = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ids[1]}/records`, headers: kiosk })).json();
    expect([second.inReview.length, second.later.length, second.subject.creditStatus]).toEqual([1, 1, "serious"]);
    const third = (await t.app.inject({ method: "GET", url: `/v1/subjects/${ids[2]}/records`, headers: kiosk })).json();
    expect(third.notRepairable).toHaveLength(1);
    const queue = (await t.app.inject({ method: "GET", url: "/v1/repair-queue", headers: await t.auth("repair_officer") })).json();
    expect(queue.items).toHaveLength(1);
    expect(queue.items[0]).toMatchObject({ decisionMode: "two_officers", step: "accept" });
  });

  it("seedDemoSubjects then seedCreditDemo (npm start's order): persons and enterprises once, each with its representative, then their records", async () => {
    const t = await freshApp();
    const demo = await seedDemoSubjects(t);
    expect(demo?.persons.map((p) => p.name)).toEqual(DEMO_PERSONS.map((p) => p.name));
    expect(demo?.enterprises.map((e) => e.uscc)).toEqual(DEMO_ENTERPRISES.map((e) => e.uscc));
    const reps = (await t.db.pool.query<{ id: string; legal_rep_id: string }>("SELECT id, legal_rep_id FROM subjects WHERE kind = 'enterprise'")).rows;
    for (const [k, e] of DEMO_ENTERPRISES.entries()) {
      expect(reps.find((r) => r.id === demo!.enterprises[k]!.id)?.legal_rep_id).toBe(demo!.persons[e.rep]!.id);
    }
    const enrolled = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger WHERE type = 'subject.enrolled'");
    expect(enrolled.rows[0]!.n).toBe(DEMO_PERSONS.length + DEMO_ENTERPRISES.length);
    expect(await seedDemoSubjects(t)).toBeNull();

    const credit = await seedCreditDemo(t, demo!.enterprises.map((e) => e.id));
    expect(credit?.records.map((r) => r.subjectId)).toEqual([0, 0, 1, 1, 2].map((k) => demo!.enterprises[k]!.id));
  });
});
