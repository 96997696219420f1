// Routes of the face feature.
import type { FastifyInstance } from "fastify";

export default async function faceRoutes(_app: FastifyInstance): Promise<void> {}
