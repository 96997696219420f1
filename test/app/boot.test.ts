// The boot order is declared, not assumed: each feature plugin names the plugins it needs
// (fastify-plugin), so an app without face verification, or with repair registered before
// face, does not boot, rather than boot with the face check left out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp, type Boot } from "../../api/src/boot.ts";
import type { AppContext } from "../../api/src/context.ts";
import authPlugin from "../../api/src/auth/plugin.ts";
import ledgerPlugin from "../../api/src/ledger/plugin.ts";
import codesPlugin from "../../api/src/codes/plugin.ts";
import facePlugin from "../../api/src/face/plugin.ts";
import subjectsPlugin from "../../api/src/subjects/plugin.ts";
import creditPlugin from "../../api/src/credit/plugin.ts";
import repairPlugin from "../../api/src/repair/plugin.ts";
import { problemSchema } from "../../api/src/errors.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { TestClock, testConfig } from "../helpers/app.ts";

describe("feature plugins declare what they need", () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let boot: Boot;
  const opened: FastifyInstance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    ctx = { config: testConfig(), db, clock: new TestClock(), chain: null };
    boot = await prepareApp(ctx);
  });
  afterAll(async () => {
    for (const app of opened) await app.close().catch(() => {});
    await db?.drop();
  });

  /** The start of buildApp (context, auth, ledger, codes), without any face plugin. */
  async function base(): Promise<FastifyInstance> {
    const app = Fastify({ logger: false });
    opened.push(app);
    app.decorate("ctx", ctx);
    app.addSchema(problemSchema);
    await app.register(authPlugin, { secret: ctx.config.operatorTokenSecret });
    await app.register(ledgerPlugin);
    await app.register(codesPlugin, boot.codes);
    return app;
  }

  it("boots with every feature (buildApp)", async () => {
    const app = await buildApp(ctx, { logger: false, boot });
    opened.push(app);
    await app.ready();
    expect(app.hasDecorator("face")).toBe(true);
    expect(app.hasRoute({ method: "POST", url: "/v1/repair-applications" })).toBe(true);
  });

  it("refuses to boot repair without the face plugin, naming what is missing", async () => {
    const app = await base();
    await expect(app.register(repairPlugin)).rejects.toThrow("The decorator 'face' required by 'onecode-repair' is not present in Fastify");
    // Nothing of repair was registered: the app never serves an unchecked application route.
    expect(app.hasRoute({ method: "POST", url: "/v1/repair-applications" })).toBe(false);
  });

  it("refuses to boot subjects (enrolment with a reference photo) without the face plugin", async () => {
    const app = await base();
    await expect(app.register(subjectsPlugin)).rejects.toThrow("The decorator 'face' required by 'onecode-subjects' is not present in Fastify");
    expect(app.hasRoute({ method: "POST", url: "/v1/persons" })).toBe(false);
  });

  it("refuses a feature registered before a plugin it depends on", async () => {
    const app = await base();
    await app.register(facePlugin, boot.face);
    await expect(app.register(creditPlugin)).rejects.toThrow("The dependency 'onecode-subjects' of plugin 'onecode-credit' is not registered");
  });

  it("boots repair once face, subjects and credit are registered before it", async () => {
    const app = await base();
    await app.register(facePlugin, boot.face);
    await app.register(subjectsPlugin);
    await app.register(creditPlugin);
    await app.register(repairPlugin);
    await app.ready();
    expect(app.hasRoute({ method: "POST", url: "/v1/repair-applications" })).toBe(true);
  });
});
