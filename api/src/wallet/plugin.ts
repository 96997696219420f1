// The wallet feature as a plugin: every person and enterprise carries its code on a phone.
//   ./operator-routes.ts  binding QRs (kiosk after a face check, registrar), unbinding by operators
//   ./holder-routes.ts    binding and passkey sign-in from the phone; the holder's own views and
//                         the code bound to the phone's device key (cnf)
// Binding and its rules: ./binding.ts; sign-in and holder sessions: ./sessions.ts; unbinding:
// ./removal.ts; what a holder sees: ./views.ts. The device proof the phone adds to a bound code
// is protocol/codes/device-proof.ts, checked by the codes feature and by the offline verifier.
//
// Its routes carry their limits in config.rateLimit (passkey ceremonies per client address,
// holder routes per session). When the app's edge already registered @fastify/rate-limit, those
// are honoured there; otherwise this plugin registers it in its own scope (global: false), so
// no other feature's routes are limited by it.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import rateLimit from "@fastify/rate-limit";
import { tooManyRequests } from "../errors.ts";
import { holderRoutes } from "./holder-routes.ts";
import { operatorRoutes } from "./operator-routes.ts";

async function walletPlugin(app: FastifyInstance): Promise<void> {
  app.decorateRequest("holder", null);
  await app.register(async (scope) => {
    if (!scope.hasDecorator("rateLimit")) {
      await scope.register(rateLimit, {
        global: false,
        errorResponseBuilder: (_request, context) => tooManyRequests("rate_limited", `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`),
      });
    }
    operatorRoutes(scope);
    holderRoutes(scope);
  });
}

export default fp(walletPlugin, {
  name: "onecode-wallet",
  dependencies: ["onecode-auth", "onecode-ledger", "onecode-codes", "onecode-face", "onecode-subjects", "onecode-credit"],
});
