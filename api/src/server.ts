// Runs the API as a process: config from the environment, database (server or
// embedded), migrations, chain client, the boot steps (./boot.ts), HTTP listener, and
// the background workers (chain outbox, anchoring, credit scheduler).
import { loadConfig, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { buildApp } from "./app.ts";
import { prepareApp } from "./boot.ts";
import { systemClock, type AppContext } from "./context.ts";
import type { FastifyInstance } from "fastify";
import { chainClientFromConfig } from "./chain/client.ts";
import { startWorkers, type Workers } from "./workers.ts";

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  workers: Workers | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Run the outbox and anchoring workers in this process (default true). */
  workers?: boolean;
}

export async function startServer(config: Config, database?: Database, options: StartOptions = {}): Promise<RunningServer> {
  const db = database ?? (await openDatabase(config));
  await migrate(db.pool);
  const chain = chainClientFromConfig(config);
  const ctx: AppContext = { config, db, clock: systemClock, chain };
  const boot = await prepareApp(ctx);
  const app = await buildApp(ctx, { boot });
  const url = await app.listen({ host: config.host, port: config.port });
  // Another command refused on the embedded folder names this URL (api/src/db/lock.ts).
  db.lock?.update({ url });
  const workers =
    options.workers === false
      ? null
      : startWorkers(ctx, { log: (message, fields) => app.log.warn(fields ?? {}, message), schedulerIntervalMs: 60_000 });
  return {
    app,
    ctx,
    url,
    workers,
    async stop() {
      await workers?.stop();
      await app.close();
      await ctx.chain?.close();
      if (!database) await db.close();
    },
  };
}

if (import.meta.main) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  const server = await startServer(config);
  const shutdown = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
