// Signing in and out of the back office. Passkeys first (discoverable: no user name needed),
// TOTP with a password as the fallback, and enrolment with the one-time code an admin handed
// over. The person's session: what it is, sign out, sign out everywhere, more passkeys.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { timingSafeEqual } from "node:crypto";
import { withTransaction } from "../db/database.ts";
import { conflict, ProblemError, unauthorized, unprocessable } from "../errors.ts";
import { createAuthRepository } from "../auth/repository.ts";
import { csrfTokenOf, SESSION_COOKIE } from "../auth/sessions.ts";
import { admit, logRefusal, refuseUnusable, sessionView } from "./admission.ts";
import { finishRegistration, finishSignIn, registrationOptions, signInOptions } from "./passkeys.ts";
import { createOperatorRepository, type AccountRow } from "./repository.ts";
import { enrolmentHash, hashPassword, openSecret, passwordMatches, passwordProblem, sealSecret } from "./secrets.ts";
import { base32Encode, matchingStep, newTotpSecret, otpauthUri } from "./totp.ts";

const credentialJson = { type: "object", required: ["id", "rawId", "type", "response"], properties: { id: { type: "string", maxLength: 1400 } } } as const;
const login = { type: "string", minLength: 2, maxLength: 40 } as const;
const enrolmentBody = { login, code: { type: "string", minLength: 12, maxLength: 20 } } as const;
// A hash to compare against when the login is unknown, so the answer takes as long either way.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export function signInRoutes(app: FastifyInstance): void {
  const { db, clock } = app.ctx;
  const settings = app.authSettings;
  const tags = ["sign-in"];

  /** The account an enrolment code opens (refused alike when the login or the code is wrong). */
  async function enrolling(input: { login: string; code: string }, now: Date): Promise<AccountRow> {
    const account = await createOperatorRepository(db.pool).byLogin(input.login);
    const valid =
      account?.enrolment_hash && account.enrolment_expires && account.enrolment_expires.getTime() > now.getTime() && timingSafeEqual(account.enrolment_hash, enrolmentHash(input.code));
    if (!account || !valid) throw unauthorized("enrolment_invalid", "The login or the enrolment code is wrong, used or expired");
    refuseUnusable(account, now);
    return account;
  }

  app.get("/v1/auth/methods", { schema: { tags, summary: "How operators can sign in here" } }, async () => ({
    passkey: true,
    totp: true,
    oidc: settings.oidc ? { label: settings.oidc.label, start: "/v1/auth/oidc/start" } : null,
    rpId: settings.rpId,
  }));

  app.post<{ Body: { login?: string } }>(
    "/v1/auth/passkey/options",
    { schema: { tags, summary: "A sign-in challenge for a passkey", body: { type: ["object", "null"], additionalProperties: false, properties: { login } } } },
    async (request) => signInOptions(createOperatorRepository(db.pool), settings, request.body?.login, clock.now()),
  );

  app.post<{ Body: { challengeId: string; response: AuthenticationResponseJSON } }>(
    "/v1/auth/passkey",
    {
      bodyLimit: 64 * 1024,
      schema: { tags, summary: "Sign in with a passkey", body: { type: "object", additionalProperties: false, required: ["challengeId", "response"], properties: { challengeId: { type: "string", format: "uuid" }, response: credentialJson } } },
    },
    async (request, reply) => {
      const now = clock.now();
      try {
        const account = await withTransaction(db.pool, (c) => finishSignIn(createOperatorRepository(c), settings, request.body, now));
        return await admit(db.pool, settings, request, reply, account, "passkey", now);
      } catch (error) {
        if (error instanceof ProblemError) await logRefusal(db.pool, request, null, error.code, "passkey", now);
        throw error;
      }
    },
  );

  app.post<{ Body: { login: string; password: string; code: string } }>(
    "/v1/auth/totp",
    {
      schema: {
        tags,
        summary: "Sign in with a password and a TOTP code (fallback)",
        body: { type: "object", additionalProperties: false, required: ["login", "password", "code"], properties: { login, password: { type: "string", maxLength: 128 }, code: { type: "string", maxLength: 10 } } },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const repo = createOperatorRepository(db.pool);
      const account = await repo.byLogin(request.body.login);
      const refuse = async (code: string, detail: string) => {
        if (account && code === "credentials_invalid") await repo.failedAttempt(account.id, now, settings.maxFailedAttempts, settings.lockSeconds);
        await logRefusal(db.pool, request, account, code, "totp", now);
        return unauthorized(code, detail);
      };
      const passwordOk = await passwordMatches(account?.password_hash ?? DUMMY_HASH, request.body.password);
      if (!account || !account.password_hash || !account.totp_secret || account.totp_last_step === null) throw await refuse("credentials_invalid", "The login, password or code is wrong");
      try {
        refuseUnusable(account, now);
      } catch (error) {
        await logRefusal(db.pool, request, account, (error as ProblemError).code, "totp", now);
        throw error;
      }
      const step = matchingStep(openSecret(settings.totpKey, account.totp_secret), request.body.code.trim(), now, Number(account.totp_last_step));
      if (!passwordOk || step === null) throw await refuse("credentials_invalid", "The login, password or code is wrong");
      await repo.acceptTotpStep(account.id, step);
      return admit(db.pool, settings, request, reply, account, "totp", now);
    },
  );

  app.post<{ Body: { login: string; code: string } }>(
    "/v1/auth/enrol/passkey/options",
    { schema: { tags, summary: "Enrolment: a challenge to create the account's passkey", body: { type: "object", additionalProperties: false, required: ["login", "code"], properties: enrolmentBody } } },
    async (request) => {
      const now = clock.now();
      const account = await enrolling(request.body, now);
      return { account: { login: account.login, name: account.name, roles: account.roles }, ...(await registrationOptions(createOperatorRepository(db.pool), settings, account, now)) };
    },
  );

  app.post<{ Body: { login: string; code: string; challengeId: string; response: RegistrationResponseJSON; label?: string } }>(
    "/v1/auth/enrol/passkey",
    {
      bodyLimit: 64 * 1024,
      schema: {
        tags,
        summary: "Enrolment: store the new passkey and sign in",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["login", "code", "challengeId", "response"],
          properties: { ...enrolmentBody, challengeId: { type: "string", format: "uuid" }, response: credentialJson, label: { type: "string", maxLength: 100 } },
        },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const account = await enrolling(request.body, now);
      await withTransaction(db.pool, async (c) => {
        const repo = createOperatorRepository(c);
        await finishRegistration(repo, settings, account, request.body, now);
        await repo.setEnrolment(account.id, null, null);
      });
      return admit(db.pool, settings, request, reply, account, "passkey", now);
    },
  );

  app.post<{ Body: { login: string; code: string; password: string } }>(
    "/v1/auth/enrol/totp",
    {
      schema: {
        tags,
        summary: "Enrolment (fallback): set a password; the answer holds the TOTP secret to scan",
        body: { type: "object", additionalProperties: false, required: ["login", "code", "password"], properties: { ...enrolmentBody, password: { type: "string", maxLength: 128 } } },
      },
    },
    async (request) => {
      const now = clock.now();
      const account = await enrolling(request.body, now);
      const problem = passwordProblem(request.body.password);
      if (problem) throw unprocessable(problem, "The password must have 12 to 128 characters");
      const secret = newTotpSecret();
      await createOperatorRepository(db.pool).setTotp(account.id, await hashPassword(request.body.password), sealSecret(settings.totpKey, secret));
      return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, account.login) };
    },
  );

  app.post<{ Body: { login: string; code: string; totp: string } }>(
    "/v1/auth/enrol/totp/confirm",
    {
      schema: {
        tags,
        summary: "Enrolment (fallback): confirm the authenticator app with its first code and sign in",
        body: { type: "object", additionalProperties: false, required: ["login", "code", "totp"], properties: { ...enrolmentBody, totp: { type: "string", maxLength: 10 } } },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const account = await enrolling(request.body, now);
      if (!account.totp_secret) throw conflict("totp_not_started", "Set the password first");
      const step = matchingStep(openSecret(settings.totpKey, account.totp_secret), request.body.totp.trim(), now, null);
      if (step === null) throw unauthorized("credentials_invalid", "The code does not match; check the app's time and try the next code");
      const repo = createOperatorRepository(db.pool);
      await repo.acceptTotpStep(account.id, step);
      await repo.setEnrolment(account.id, null, null);
      return admit(db.pool, settings, request, reply, account, "totp", now);
    },
  );

  // The signed-in person.
  const signedIn = app.requireSession();
  const loginOf = async (request: FastifyRequest) => (await createOperatorRepository(db.pool).get(request.session!.account_id)).login;

  app.get("/v1/auth/session", { preHandler: signedIn, schema: { tags, summary: "Who is signed in, and the CSRF token for changes" } }, async (request) => {
    const token = request.cookies[SESSION_COOKIE]!;
    return sessionView(settings, request.session!, await loginOf(request), csrfTokenOf(settings, token));
  });

  app.post("/v1/auth/sign-out", { preHandler: signedIn, schema: { tags, summary: "Sign out of this browser" } }, async (request, reply) => {
    await createAuthRepository(db.pool).endSession(request.session!.id_hash, clock.now(), "signed_out");
    void reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.status(204).send();
  });

  app.post("/v1/auth/sign-out-everywhere", { preHandler: signedIn, schema: { tags, summary: "End every session of this account, on every device" } }, async (request, reply) => {
    const ended = await createAuthRepository(db.pool).endSessionsOf(request.session!.account_id, clock.now(), "signed_out_everywhere");
    void reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return { ended };
  });

  app.get("/v1/auth/passkeys", { preHandler: signedIn, schema: { tags, summary: "My passkeys" } }, async (request) => ({
    items: (await createOperatorRepository(db.pool).passkeysOf(request.session!.account_id)).map((p) => ({
      credentialId: p.credential_id,
      label: p.label,
      createdAt: p.created_at.toISOString(),
      lastUsedAt: p.last_used_at?.toISOString() ?? null,
    })),
  }));

  app.post("/v1/auth/passkeys/options", { preHandler: signedIn, schema: { tags, summary: "A challenge to add a passkey to my account" } }, async (request) => {
    const repo = createOperatorRepository(db.pool);
    return registrationOptions(repo, settings, await repo.get(request.session!.account_id), clock.now());
  });

  app.post<{ Body: { challengeId: string; response: RegistrationResponseJSON; label?: string } }>(
    "/v1/auth/passkeys",
    {
      preHandler: signedIn,
      bodyLimit: 64 * 1024,
      schema: {
        tags,
        summary: "Add a passkey to my account",
        body: { type: "object", additionalProperties: false, required: ["challengeId", "response"], properties: { challengeId: { type: "string", format: "uuid" }, response: credentialJson, label: { type: "string", maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const result = await withTransaction(db.pool, async (c) => {
        const repo = createOperatorRepository(c);
        return finishRegistration(repo, settings, await repo.get(request.session!.account_id), request.body, now);
      });
      return reply.status(201).send(result);
    },
  );
}
