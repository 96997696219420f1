// Serves the built front ends (kiosk/dist, from `npm run build:ui`) under /ui/. Whether they
// are built is looked up by the boot step (api/src/boot.ts), which passes the folder or null.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import fastifyStatic from "@fastify/static";

export const UI_DIST = join(import.meta.dirname, "..", "..", "..", "kiosk", "dist");

/** The boot step of the web feature: the built front ends' folder, or null when they are not built. */
export function findUiDist(dir = UI_DIST): string | null {
  return existsSync(dir) ? dir : null;
}

async function webPlugin(app: FastifyInstance, options: { root: string | null }): Promise<void> {
  if (!options.root) {
    app.log.warn(`front ends not built (${UI_DIST} missing): run npm run build:ui`);
    return;
  }
  await app.register(fastifyStatic, { root: options.root, prefix: "/ui/", index: ["index.html"] });
  app.get("/", { schema: { hide: true } }, (_request, reply) => reply.redirect("/ui/"));
}

export default fp(webPlugin, { name: "onecode-web" });
