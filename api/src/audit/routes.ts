// Routes of the audit feature.
import type { FastifyInstance } from "fastify";

export default async function auditRoutes(_app: FastifyInstance): Promise<void> {}
