// Routes of the subjects feature.
import type { FastifyInstance } from "fastify";

export default async function subjectsRoutes(_app: FastifyInstance): Promise<void> {}
