// POST /v1/admin/backups on a PostgreSQL server (the embedded case, with real writes, is
// test/app/backup.test.ts): admin only, a schema on the body, and a server database is refused
// with a stable problem code pointing to pg_dump, nothing written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

const post = async (headers: Record<string, string>, payload: unknown) =>
  t.app.inject({ method: "POST", url: "/v1/admin/backups", headers: { ...headers, "content-type": "application/json" }, payload: JSON.stringify(payload) });

describe("POST /v1/admin/backups", () => {
  it("needs a token and the admin role", async () => {
    const none = await post({}, {});
    expect(none.statusCode).toBe(401);
    const registrar = await post(await t.auth("registrar"), {});
    expect(registrar.statusCode).toBe(403);
    expect(registrar.json()).toMatchObject({ code: "role_forbidden" });
  });

  it("refuses unknown fields", async () => {
    const res = await post(await t.auth("admin"), { folder: "/tmp/x", stream: true });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });

  it("refuses a PostgreSQL server's database: it is backed up with pg_dump", async () => {
    expect(t.ctx.db.mode).toBe("server");
    const res = await post(await t.auth("admin"), {});
    expect(res.statusCode).toBe(409);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.json()).toMatchObject({ code: "backup_server_database" });
    expect(res.json().detail).toContain("pg_dump");
  });
});
