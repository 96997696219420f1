// Runs the API as a process: config from the environment, database (server or
// embedded), migrations, chain client, HTTP listener. Background workers
// (outbox, anchoring, scheduler) are started by the chain feature's
// startWorkers when it exists.
import { loadConfig, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { buildApp } from "./app.ts";
import { systemClock, type AppContext } from "./context.ts";
import type { FastifyInstance } from "fastify";

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config, database?: Database): Promise<RunningServer> {
  const db = database ?? (await openDatabase(config));
  await migrate(db.pool);
  const ctx: AppContext = { config, db, clock: systemClock, chain: null };
  const app = await buildApp(ctx);
  const url = await app.listen({ host: config.host, port: config.port });
  return {
    app,
    ctx,
    url,
    async stop() {
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
