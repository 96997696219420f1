// What every feature gets: configuration, the database, the clock, and the chain client.
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import type { ChainClient } from "./chain/client.ts";

/** Injected so that tests can move time (publicity periods, code expiry, deadlines). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface AppContext {
  config: Config;
  db: Database;
  clock: Clock;
  /** Null when no chain is configured: chain writes wait in the outbox. */
  chain: ChainClient | null;
}

declare module "fastify" {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
