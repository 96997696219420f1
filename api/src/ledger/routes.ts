// Routes of the ledger feature.
import type { FastifyInstance } from "fastify";

export default async function ledgerRoutes(_app: FastifyInstance): Promise<void> {}
