// Routes of the repair feature.
import type { FastifyInstance } from "fastify";

export default async function repairRoutes(_app: FastifyInstance): Promise<void> {}
