// A whole API for tests: a real database, a fixed or movable clock, generated
// keys, and operator tokens for each role. No port: tests call app.inject().
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../api/src/app.ts";
import { prepareApp, type BootOptions } from "../../api/src/boot.ts";
import type { Config } from "../../api/src/config.ts";
import type { AppContext, Clock } from "../../api/src/context.ts";
import type { ChainClient } from "../../api/src/chain/client.ts";
import { mintOperatorToken, type Role } from "../../api/src/auth/operators.ts";
import { ledgerKeys } from "../../api/src/ledger/signing.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";

export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), "onecode-test-"));
  return {
    host: "127.0.0.1",
    port: 0,
    databaseUrl: null,
    dataDir,
    chainRpcUrl: null,
    deploymentFile: join(dataDir, "deployment.json"),
    chainKeys: null,
    passkeyRpId: null,
    passkeyOrigins: [],
    subjectKey: randomBytes(32),
    operatorTokenSecret: randomBytes(32),
    faceKey: randomBytes(32),
    ledgerKeys: ledgerKeys(randomBytes(32)),
    ledgerAdoptThrough: null,
    trustProxy: [],
    rateLimitAllow: [],
    codeKeysDir: join(dataDir, "code-keys"),
    publicUrl: "http://onecode.test",
    codeTtlSeconds: 60,
    boundCodeTtlSeconds: 4 * 3600,
    walletBindingTtlSeconds: 300,
    walletSessionTtlSeconds: 1800,
    anchorIntervalMs: 100,
    anchorMaxBatch: 1000,
    outboxPollMs: 50,
    outboxPipelineDepth: 4,
    logLevel: "silent",
    ...overrides,
  };
}

/** A clock tests can set and move. */
export class TestClock implements Clock {
  private current: Date;
  constructor(start: Date | string = "2026-11-26T02:00:00.000Z") {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  db: TestDatabase;
  clock: TestClock;
  /** Bearer header for an operator of that role. */
  auth(role: Role, sub?: string): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

export async function buildTestApp(
  options: {
    embedded?: boolean;
    clock?: TestClock;
    chain?: ChainClient | null;
    config?: Partial<Config>;
    /** boot options (a face engine loader; the face challenge fixed for a canned video) */
    boot?: BootOptions;
    /** The built front ends to serve under /ui/ (default: kiosk/dist when built, as the API does). */
    uiRoot?: string;
  } = {},
): Promise<TestApp> {
  const db = await createTestDatabase({ embedded: options.embedded });
  // One ledger key for the database handle (it signs appends) and the config (as the API has it).
  const config = testConfig({ ledgerKeys: db.ledgerKeys!, ...options.config });
  const clock = options.clock ?? new TestClock();
  const ctx: AppContext = { config, db, clock, chain: options.chain ?? null };
  const boot = await prepareApp(ctx, options.boot);
  if (options.uiRoot) boot.web = { root: options.uiRoot };
  const app = await buildApp(ctx, { logger: false, boot });
  await app.ready();
  return {
    app,
    ctx,
    db,
    clock,
    async auth(role, sub = `${role}-1`) {
      return { authorization: `Bearer ${await mintOperatorToken(config.operatorTokenSecret, { sub, role })}` };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
