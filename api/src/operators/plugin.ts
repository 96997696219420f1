// The operators feature as a plugin: people's accounts and how they sign in (passkeys, TOTP,
// single sign-on when configured), the administrators' account and machine-token management,
// and what the back office reads besides the other features' routes: subject look-up with
// purpose-bound unmasking, an application's case file, the access log, the supervisor's dashboard and the system health.
// Sessions and machine tokens are checked by the auth plugin (app.requireRole).
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { adminRoutes } from "./admin-routes.ts";
import { caseFileRoutes } from "./case-file.ts";
import { lookupRoutes } from "./lookup.ts";
import { oidcRoutes } from "./oidc.ts";
import { reportRoutes } from "./reports.ts";
import { signInRoutes } from "./sign-in-routes.ts";

async function operatorsPlugin(app: FastifyInstance): Promise<void> {
  signInRoutes(app);
  if (app.authSettings.oidc) oidcRoutes(app, app.authSettings.oidc);
  adminRoutes(app);
  lookupRoutes(app);
  reportRoutes(app);
  caseFileRoutes(app);
}

export default fp(operatorsPlugin, {
  name: "onecode-operators",
  dependencies: ["onecode-auth", "onecode-ledger"],
  decorators: { fastify: ["authSettings", "requireRole", "requireSession", "logAccess"] },
});
