// The wallet's routes for the phone (no operator token):
//   POST   /v1/wallet/bind/options     the offer's subject and holder, and the passkey options
//   POST   /v1/wallet/bind             passkey + device key → bound device, signed in
//   POST   /v1/wallet/signin/options   a passkey challenge
//   POST   /v1/wallet/signin           the passkey's answer → holder session
// and for a signed-in holder (Authorization: Bearer ws1_…), of their own subject only:
//   GET    /v1/wallet/me               who: subject, holder, this device
//   POST   /v1/wallet/code             a code bound to this device's key (cnf), living hours
//   GET    /v1/wallet/records          records under publicity, with when repair is possible
//   GET    /v1/wallet/notices          免申即享 notices;  POST /v1/wallet/notices/:id/seen
//   GET    /v1/wallet/devices          phones bound to the subject;  DELETE /v1/wallet/devices/:id
//   GET    /v1/wallet/representatives  (an enterprise) who may act for it
//   POST   /v1/wallet/signout
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { withTransaction } from "../db/database.ts";
import { conflict, forbidden, notFound } from "../errors.ts";
import { createCreditRepository } from "../credit/repository.ts";
import { createFaceRepository } from "../face/repository.ts";
import { DEVICE_PROOF_TOLERANCE_SECONDS, DEVICE_PROOF_WINDOW_SECONDS } from "../../../protocol/codes/device-proof.ts";
import type { DeviceKey } from "../../../protocol/codes/token-format.ts";
import { bindDevice, bindingOptions } from "./binding.ts";
import { relyingParty } from "./passkeys.ts";
import { afterRemoval, removeDevices } from "./removal.ts";
import { createWalletRepository, type DeviceRow } from "./repository.ts";
import { credentialSchema, deviceKeySchema, errors, idParams, offerSecret, sessionSchema, subjectSchema, UUID } from "./schemas.ts";
import { assertStillHolder, holderDevice, openSession, sessionEnded, sessionHashOf, signIn, signInOptions } from "./sessions.ts";
import { devicesView, mayRemove, meView, noticesView, recordsView, representativesView } from "./views.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The device of the holder session (holder routes only). */
    holder: DeviceRow | null;
  }
}

/** Per-route limits; holder routes count per session, the rest per client address. */
const LIMITS = { ceremony: { max: 20, timeWindow: "1 minute" }, holder: { max: 120, timeWindow: "1 minute" }, code: { max: 30, timeWindow: "1 minute" } } as const;
const bySession = (request: FastifyRequest) => request.headers.authorization ?? request.ip;

export function holderRoutes(app: FastifyInstance): void {
  const { config, db, clock } = app.ctx;
  const rp = relyingParty(config.publicUrl);
  const holder = async (request: FastifyRequest) => {
    request.holder = (await holderDevice(db.pool, request.headers.authorization, clock.now())).device;
  };
  const ceremony = { rateLimit: LIMITS.ceremony };
  const asHolder = (limit: { max: number; timeWindow: string } = LIMITS.holder) => ({ preHandler: holder, config: { rateLimit: { ...limit, keyGenerator: bySession } } });
  const security = [{ bearer: [] }];

  app.post<{ Body: { offer: string } }>(
    "/v1/wallet/bind/options",
    {
      config: ceremony,
      schema: {
        tags: ["wallet"],
        summary: "Whom a binding QR binds to, and the passkey options for the phone",
        body: { type: "object", properties: { offer: offerSecret }, required: ["offer"], additionalProperties: false },
        response: {
          200: {
            type: "object",
            properties: {
              options: { type: "object", additionalProperties: true },
              subject: subjectSchema,
              holder: { type: "object", properties: { displayName: { type: "string" }, capacity: { type: "string" } } },
              expiresAt: { type: "string" },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = await bindingOptions(db.pool, { offer: request.body.offer, rp, now: clock.now() });
      void reply.header("cache-control", "no-store");
      return {
        options: b.options,
        subject: { kind: b.subject.kind, displayName: b.subject.display_name, creditStatus: b.subject.credit_status },
        holder: { displayName: b.holder.display_name, capacity: b.capacity },
        expiresAt: b.expiresAt.toISOString(),
      };
    },
  );

  app.post<{ Body: { offer: string; registration: RegistrationResponseJSON; deviceKey: DeviceKey; keyProof: string; name: string } }>(
    "/v1/wallet/bind",
    {
      config: ceremony,
      schema: {
        tags: ["wallet"],
        summary: "Bind this phone: its new passkey and its device key (with a signature over the binding challenge)",
        body: {
          type: "object",
          properties: {
            offer: offerSecret,
            registration: credentialSchema,
            deviceKey: deviceKeySchema,
            keyProof: { type: "string", pattern: "^[A-Za-z0-9_-]{86}$" },
            name: { type: "string", minLength: 1, maxLength: 40 },
          },
          required: ["offer", "registration", "deviceKey", "keyProof", "name"],
          additionalProperties: false,
        },
        response: { 201: sessionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const session = await withTransaction(db.pool, async (client) => {
        const bound = await bindDevice(client, { ...request.body, rp, now });
        return openSession(client, { deviceId: bound.deviceId, now, ttlSeconds: config.walletSessionTtlSeconds });
      });
      return reply.status(201).send({ ...session, expiresAt: session.expiresAt.toISOString() });
    },
  );

  app.post<{ Body: { deviceId?: string } }>(
    "/v1/wallet/signin/options",
    {
      config: ceremony,
      schema: {
        tags: ["wallet"],
        summary: "A passkey challenge for signing in",
        body: { type: ["object", "null"], properties: { deviceId: { type: "string", pattern: UUID } }, additionalProperties: false },
        response: { 200: { type: "object", properties: { challengeId: { type: "string" }, options: { type: "object", additionalProperties: true } } }, ...errors },
      },
    },
    async (request) => signInOptions(db.pool, { rp, deviceId: request.body?.deviceId, now: clock.now() }),
  );

  app.post<{ Body: { challengeId: string; response: AuthenticationResponseJSON } }>(
    "/v1/wallet/signin",
    {
      config: ceremony,
      schema: {
        tags: ["wallet"],
        summary: "Sign in with the phone's passkey",
        body: {
          type: "object",
          properties: { challengeId: { type: "string", pattern: UUID }, response: credentialSchema },
          required: ["challengeId", "response"],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, ...errors },
      },
    },
    async (request) => {
      const s = await signIn(db.pool, { rp, ...request.body, now: clock.now(), ttlSeconds: config.walletSessionTtlSeconds });
      return { ...s, expiresAt: s.expiresAt.toISOString() };
    },
  );

  app.get("/v1/wallet/me", { ...asHolder(), schema: { tags: ["wallet"], summary: "The holder, their subject and this phone", security } }, async (request) => meView(db.pool, request.holder!));

  app.post(
    "/v1/wallet/code",
    {
      // One query for session, device, subject and code (this route is the one phones call most).
      config: { rateLimit: { ...LIMITS.code, keyGenerator: bySession } },
      schema: {
        tags: ["wallet"],
        summary: "A code bound to this phone's device key; the phone adds its 30-second device signature to show it",
        security,
        response: {
          200: {
            type: "object",
            properties: {
              token: { type: "string" },
              tokenId: { type: "string" },
              codeId: { type: "string" },
              issuedAt: { type: "string" },
              expiresAt: { type: "string" },
              serverTime: { type: "number" },
              proofWindowSeconds: { type: "integer" },
              proofToleranceSeconds: { type: "integer" },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const row = await createWalletRepository(db.pool).sessionDeviceWithCode(sessionHashOf(request.headers.authorization), now);
      if (!row) throw sessionEnded();
      const device: DeviceRow = row;
      if (!row.code_id) throw notFound("no_current_code", "This subject has no current code");
      if (row.code_status !== "active") throw conflict("code_suspended", "The code is suspended", { codeStatus: row.code_status });
      await assertStillHolder(db.pool, device, now);
      // An agent's code lives no longer than the authorisation it is shown under.
      let ttlSeconds = config.boundCodeTtlSeconds;
      if (device.capacity === "authorised_agent") {
        const a = await createFaceRepository(db.pool).validAuthorisation({ enterpriseId: device.subject_id, agentId: device.holder_id, at: now });
        if (a) ttlSeconds = Math.max(1, Math.min(ttlSeconds, Math.floor((a.valid_until.getTime() - now.getTime()) / 1000)));
      }
      const issued = await app.codes.signBoundCode(
        { codeId: row.code_id, kind: row.kind, displayName: row.display_name, creditStatus: row.credit_status, statusIndex: row.status_index! },
        device.device_jwk,
        { now, ttlSeconds },
      );
      await createWalletRepository(db.pool).codeIssued(device, issued.expiresAt);
      void reply.header("cache-control", "no-store");
      return {
        token: issued.token,
        tokenId: issued.tokenId,
        codeId: row.code_id,
        issuedAt: issued.issuedAt.toISOString(),
        expiresAt: issued.expiresAt.toISOString(),
        // The phone signs on the issuer's clock: it measures its offset from this.
        serverTime: now.getTime(),
        proofWindowSeconds: DEVICE_PROOF_WINDOW_SECONDS,
        proofToleranceSeconds: DEVICE_PROOF_TOLERANCE_SECONDS,
      };
    },
  );

  app.get("/v1/wallet/records", { ...asHolder(), schema: { tags: ["wallet"], summary: "The holder's records under publicity", security } }, async (request) =>
    recordsView(db.pool, request.holder!.subject_id, clock.now()),
  );

  app.get("/v1/wallet/notices", { ...asHolder(), schema: { tags: ["wallet"], summary: "免申即享: records that can now be repaired", security } }, async (request) =>
    noticesView(db.pool, request.holder!.subject_id, clock.now()),
  );

  app.post<{ Params: { nid: string } }>(
    "/v1/wallet/notices/:nid/seen",
    {
      ...asHolder(),
      schema: { tags: ["wallet"], summary: "Mark a notice as seen", security, params: { type: "object", properties: { nid: { type: "string", pattern: "^[0-9]{1,12}$" } }, required: ["nid"] } },
    },
    async (request, reply) => {
      await createCreditRepository(db.pool).markNotificationSeen(Number(request.params.nid), request.holder!.subject_id, clock.now());
      return reply.status(204).send();
    },
  );

  app.get("/v1/wallet/devices", { ...asHolder(), schema: { tags: ["wallet"], summary: "The phones bound to the holder's subject", security } }, async (request) =>
    devicesView(db.pool, request.holder!),
  );

  app.delete<{ Params: { id: string } }>(
    "/v1/wallet/devices/:id",
    { ...asHolder(), schema: { tags: ["wallet"], summary: "Unbind a phone (this one, or another of the subject's)", security, params: idParams } },
    async (request) => {
      const me = request.holder!;
      const other = await createWalletRepository(db.pool).device(request.params.id);
      if (!other || other.removed_at || other.subject_id !== me.subject_id) throw notFound("device_not_found", "No such bound device");
      if (!mayRemove(me, other)) throw forbidden("device_not_yours", "Only its holder or the legal representative may unbind this phone.");
      const result = await withTransaction(db.pool, (client) =>
        removeDevices(client, { subjectId: me.subject_id, which: (d) => d.id === other.id, by: "device", actor: `holder:${me.id}`, reason: other.id === me.id ? "holder_unbound_self" : "holder_unbound", now: clock.now() }),
      );
      return afterRemoval(app.codes, result);
    },
  );

  app.get("/v1/wallet/representatives", { ...asHolder(), schema: { tags: ["wallet"], summary: "Who may act for the holder's enterprise", security } }, async (request) => {
    const device = request.holder!;
    if (device.capacity === "self") throw conflict("not_an_enterprise", "A person's wallet has no representatives.");
    return representativesView(db.pool, device.subject_id, clock.now());
  });

  app.post("/v1/wallet/signout", { ...asHolder(), schema: { tags: ["wallet"], summary: "End this holder session", security } }, async (request, reply) => {
    const { sessionHash } = await holderDevice(db.pool, request.headers.authorization, clock.now());
    await createWalletRepository(db.pool).endSession(sessionHash, clock.now());
    return reply.status(204).send();
  });
}
