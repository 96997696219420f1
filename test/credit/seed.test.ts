// The demo credit data: publishes once, and gives the kiosk and the officers something to show.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TestClock, type TestApp } from "../helpers/app.ts";
import { seedCreditDemo } from "../../scripts/lib/seed-credit.ts";
import { insertEnterprise, insertPerson } from "./fixtures.ts";

describe("seedCreditDemo", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ clock: new TestClock("2026-11-26T02:00:00.000Z") });
  });
  afterAll(async () => t?.close());

  it("seeds records in every kiosk group and one queued application, once", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await insertEnterprise(t.db.pool, await insertPerson(t.db.pool)));
    const seed = await seedCreditDemo(t.ctx);
    expect(seed?.records).toHaveLength(5);
    expect(seed?.applications).toHaveLength(1);
    expect(await seedCreditDemo(t.ctx)).toBeNull();
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
});
