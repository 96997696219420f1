// Serves the built front ends (kiosk/dist, from `npm run build:ui`) under /ui/.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";

export const UI_DIST = join(import.meta.dirname, "..", "..", "..", "kiosk", "dist");

export default async function webRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(UI_DIST)) {
    app.log.warn(`front ends not built (${UI_DIST} missing): run npm run build:ui`);
    return;
  }
  await app.register(fastifyStatic, { root: UI_DIST, prefix: "/ui/", index: ["index.html"] });
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/ui/"));
}
