// Routes of the credit feature.
import type { FastifyInstance } from "fastify";

export default async function creditRoutes(_app: FastifyInstance): Promise<void> {}
