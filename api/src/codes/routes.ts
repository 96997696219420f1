// Routes of the codes feature.
import type { FastifyInstance } from "fastify";

export default async function codesRoutes(_app: FastifyInstance): Promise<void> {}
