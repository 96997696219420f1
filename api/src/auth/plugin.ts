// `app.requireRole(...roles)` as a route preHandler; the verified operator is on `request.operator`.
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { forbidden, unauthorized } from "../errors.ts";
import { verifyOperatorToken, type Operator, type Role } from "./operators.ts";

declare module "fastify" {
  interface FastifyInstance {
    requireRole(...roles: Role[]): (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    operator: Operator | null;
  }
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { secret: Uint8Array }) {
    app.decorateRequest("operator", null);
    app.decorate("requireRole", (...roles: Role[]) => async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      if (!header || !header.startsWith("Bearer ")) throw unauthorized("token_missing", "A bearer token is required");
      const operator = await verifyOperatorToken(opts.secret, header.slice(7).trim());
      // Least privilege: each role reaches only the routes that name it; admin is not a superuser.
      if (!roles.includes(operator.role)) {
        throw forbidden("role_forbidden", `This action needs the role ${roles.join(" or ")}`);
      }
      request.operator = operator;
    });
  },
  { name: "onecode-auth" },
);
