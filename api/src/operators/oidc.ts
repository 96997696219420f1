// Single sign-on for deployments with a government identity provider (OIDC, openid-client):
// authorisation code flow with PKCE, state and nonce, configured by environment (OIDC_ISSUER,
// OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL, OIDC_LOGIN_CLAIM). The provider says
// who the person is; this API alone says what they may do: the person must have an account
// here (an admin created it), found by the bound `sub`, or at the first sign-in by the login
// claim, which then binds the `sub` for good. A disabled account is refused like any other.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import * as client from "openid-client";
import { ProblemError, unavailable } from "../errors.ts";
import type { OidcSettings } from "../auth/settings.ts";
import { admit, logRefusal } from "./admission.ts";
import { createOperatorRepository, type AccountRow } from "./repository.ts";

const BACK_OFFICE = "/ui/backoffice/";

export function oidcRoutes(app: FastifyInstance, oidc: OidcSettings): void {
  const { db, clock } = app.ctx;
  const settings = app.authSettings;
  let discovered: Promise<client.Configuration> | null = null;

  // Discovered on first use and kept; a failed discovery is retried at the next sign-in.
  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(new URL(oidc.issuer), oidc.clientId, oidc.clientSecret ?? undefined, undefined, oidc.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((error: unknown) => {
        discovered = null;
        app.log.warn({ err: error }, "OIDC discovery failed");
        throw unavailable("oidc_unavailable", "The single sign-on provider cannot be reached");
      });
    return discovered;
  }

  app.get("/v1/auth/oidc/start", { schema: { tags: ["sign-in"], summary: "Sign in with the single sign-on provider (redirects)" } }, async (_request, reply) => {
    const config = await configuration();
    const now = clock.now();
    const state = randomUUID();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    await createOperatorRepository(db.pool).insertChallenge({
      id: state,
      purpose: "oidc",
      accountId: null,
      challenge: state,
      extra: { nonce, verifier },
      at: now,
      expiresAt: new Date(now.getTime() + settings.challengeSeconds * 1000),
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: oidc.redirectUrl,
      scope: "openid profile",
      response_type: "code",
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    });
    return reply.redirect(url.href);
  });

  app.get<{ Querystring: Record<string, string> }>("/v1/auth/oidc/callback", { schema: { tags: ["sign-in"], summary: "Where the provider sends the browser back" } }, async (request, reply) => {
    const now = clock.now();
    const fail = async (code: string, account: AccountRow | null = null) => {
      await logRefusal(db.pool, request, account, code, "oidc", now);
      return reply.redirect(`${BACK_OFFICE}?signin_error=${encodeURIComponent(code)}`);
    };
    const state = request.query.state;
    const repo = createOperatorRepository(db.pool);
    const pending = typeof state === "string" && /^[0-9a-f-]{36}$/.test(state) ? await repo.takeChallenge(state, "oidc", now) : null;
    if (!pending) return fail("oidc_state_invalid");
    let claims: Record<string, unknown> | undefined;
    try {
      const config = await configuration();
      const current = new URL(oidc.redirectUrl);
      current.search = new URLSearchParams(request.query).toString();
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.extra.verifier, expectedState: state, expectedNonce: pending.extra.nonce, idTokenExpected: true });
      const idToken = tokens.claims();
      claims = idToken;
      // Many providers put profile claims (the user name) in the userinfo answer only.
      if (idToken && idToken[oidc.loginClaim] === undefined) claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
    } catch (error) {
      request.log.warn({ err: error }, "OIDC code exchange refused");
      return fail(error instanceof ProblemError ? error.code : "oidc_refused");
    }
    const sub = claims?.sub;
    if (typeof sub !== "string" || !claims) return fail("oidc_refused");
    let account = await repo.byOidcSubject(sub);
    const loginClaim = claims[oidc.loginClaim];
    if (!account && typeof loginClaim === "string") {
      const candidate = await repo.byLogin(loginClaim);
      if (candidate && candidate.oidc_subject === null) {
        await repo.bindOidc(candidate.id, sub);
        account = candidate;
      }
    }
    if (!account) return fail("oidc_no_account");
    try {
      await admit(db.pool, settings, request, reply, account, "oidc", now);
    } catch (error) {
      if (error instanceof ProblemError) return fail(error.code, account);
      throw error;
    }
    return reply.redirect(BACK_OFFICE);
  });
}
