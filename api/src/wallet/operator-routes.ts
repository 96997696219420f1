// The wallet's routes for operators:
//   POST /v1/wallet/offers/kiosk                  kiosk: a one-time binding QR after the session's face check
//   POST /v1/wallet/offers/registrar              registrar: the same at the window
//   POST /v1/wallet/kiosk/devices                 kiosk: the phones the face-checked person holds (names, dates)
//   POST /v1/wallet/kiosk/unbind                  kiosk: unbind one of them, or all (a lost phone)
//   GET  /v1/wallet/registrar/subjects/:id/devices   registrar: a subject's bound phones
//   POST /v1/wallet/registrar/devices/:id/remove  registrar: unbind one phone
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth/operators.ts";
import { withTransaction } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { renderQr } from "../codes/qr.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { kioskSessionHolder, offerAtKiosk, offerAtRegistrar, type BindWhom, type IssuedOffer } from "./binding.ts";
import { afterRemoval, removeDevices, type Removal } from "./removal.ts";
import { createWalletRepository } from "./repository.ts";
import { errors, idParams, reasonCode, subjectSchema, UUID } from "./schemas.ts";

const offerResponse = {
  type: "object",
  properties: {
    offer: { type: "string" },
    url: { type: "string" },
    expiresAt: { type: "string" },
    qr: { type: "object", properties: { png: { type: "string" }, svg: { type: "string" }, version: { type: "integer" } } },
    subject: subjectSchema,
    holder: { type: "object", properties: { displayName: { type: "string" }, capacity: { type: "string" } } },
  },
} as const;

const removalResponse = {
  type: "object",
  properties: { removed: { type: "array", items: { type: "string" } }, codeRotated: { type: "boolean" } },
} as const;

const whomSchema = { type: "string", enum: ["subject", "holder"], default: "subject" } as const;

export function operatorRoutes(app: FastifyInstance): void {
  const { ctx } = app;
  const { config, db, clock } = ctx;
  /** The wallet's address with the offer in the fragment: the phone's camera opens it; no server sees the secret in a log. */
  const walletUrl = (offer: string) => `${config.publicUrl.replace(/\/+$/, "")}/ui/wallet/#bind=${offer}`;

  async function answer(issued: IssuedOffer) {
    const url = walletUrl(issued.offer);
    return {
      offer: issued.offer,
      url,
      expiresAt: issued.expiresAt.toISOString(),
      qr: await renderQr(url),
      subject: { kind: issued.subject.kind, displayName: issued.subject.display_name, creditStatus: issued.subject.credit_status },
      holder: { displayName: issued.holder.display_name, capacity: issued.capacity },
    };
  }

  const removed = (result: Removal) => afterRemoval(app.codes, result);

  app.post<{ Body: { sessionId: string; whom: BindWhom } }>(
    "/v1/wallet/offers/kiosk",
    {
      preHandler: app.requireRole("kiosk"),
      schema: {
        tags: ["wallet"],
        summary: "A one-time binding QR for the person whose face check passed in this kiosk session",
        description: "whom: subject (the session's enterprise, or the person applying for themself) or holder (the person's own code).",
        security: [{ bearer: [] }],
        body: { type: "object", properties: { sessionId: { type: "string", pattern: UUID }, whom: whomSchema }, required: ["sessionId"], additionalProperties: false },
        response: { 201: offerResponse, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await offerAtKiosk(db.pool, {
        sessionId: request.body.sessionId,
        device: request.operator!.sub,
        whom: request.body.whom,
        actor: actorOf(request.operator!),
        now: clock.now(),
        ttlSeconds: config.walletBindingTtlSeconds,
      });
      void reply.header("cache-control", "no-store");
      return reply.status(201).send(await answer(issued));
    },
  );

  app.post<{ Body: { subjectId: string; holderId?: string } }>(
    "/v1/wallet/offers/registrar",
    {
      preHandler: app.requireRole("registrar"),
      schema: {
        tags: ["wallet"],
        summary: "A one-time binding QR, issued at the registrar's window after checking the holder in person",
        description: "holderId: the person who will hold the phone (for an enterprise: its legal representative or an authorised agent); default: the subject itself (a person).",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: { subjectId: { type: "string", pattern: UUID }, holderId: { type: "string", pattern: UUID } },
          required: ["subjectId"],
          additionalProperties: false,
        },
        response: { 201: offerResponse, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await offerAtRegistrar(db.pool, {
        subjectId: request.body.subjectId,
        holderId: request.body.holderId ?? request.body.subjectId,
        actor: actorOf(request.operator!),
        now: clock.now(),
        ttlSeconds: config.walletBindingTtlSeconds,
      });
      void reply.header("cache-control", "no-store");
      return reply.status(201).send(await answer(issued));
    },
  );

  // The kiosk sees only the phones the face-checked person holds for the subject (not those of
  // the enterprise's other representatives or agents), by name and dates: nothing a kiosk screen
  // does not already show. The list is a POST because the session id is not for access logs.
  app.post<{ Body: { sessionId: string; whom: BindWhom } }>(
    "/v1/wallet/kiosk/devices",
    {
      preHandler: app.requireRole("kiosk"),
      schema: {
        tags: ["wallet"],
        summary: "The phones the face-checked person of this kiosk session holds for the session's subject",
        security: [{ bearer: [] }],
        body: { type: "object", properties: { sessionId: { type: "string", pattern: UUID }, whom: whomSchema }, required: ["sessionId"], additionalProperties: false },
        response: {
          200: {
            type: "object",
            properties: {
              devices: {
                type: "array",
                items: { type: "object", properties: { id: { type: "string" }, name: { type: "string" }, boundAt: { type: "string" }, lastSeenAt: { type: ["string", "null"] } } },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { subjectId, holderId } = await kioskSessionHolder(db.pool, { sessionId: request.body.sessionId, device: request.operator!.sub, whom: request.body.whom, now: clock.now() });
      const devices = await createWalletRepository(db.pool).devicesOf(subjectId, { holderId });
      void reply.header("cache-control", "no-store");
      return { devices: devices.map((d) => ({ id: d.id, name: d.name, boundAt: d.bound_at.toISOString(), lastSeenAt: d.last_seen_at?.toISOString() ?? null })) };
    },
  );

  app.post<{ Body: { sessionId: string; whom: BindWhom; deviceId?: string } }>(
    "/v1/wallet/kiosk/unbind",
    {
      preHandler: app.requireRole("kiosk"),
      schema: {
        tags: ["wallet"],
        summary: "Unbind a phone the face-checked person holds for the session's subject (a lost phone); without deviceId, every such phone",
        description: "deviceId: one phone from POST /v1/wallet/kiosk/devices; a phone of someone else is device_not_found.",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          properties: { sessionId: { type: "string", pattern: UUID }, whom: whomSchema, deviceId: { type: "string", pattern: UUID } },
          required: ["sessionId"],
          additionalProperties: false,
        },
        response: { 200: removalResponse, ...errors },
      },
    },
    async (request) => {
      const now = clock.now();
      const { deviceId } = request.body;
      const result = await withTransaction(db.pool, async (client) => {
        const { subjectId, holderId } = await kioskSessionHolder(client, { sessionId: request.body.sessionId, device: request.operator!.sub, whom: request.body.whom, now });
        const which = (d: { id: string; holder_id: string }) => d.holder_id === holderId && (deviceId === undefined || d.id === deviceId);
        return removeDevices(client, { subjectId, which, by: "kiosk", actor: actorOf(request.operator!), reason: "lost_phone", now });
      });
      return removed(result);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/wallet/registrar/subjects/:id/devices",
    {
      preHandler: app.requireRole("registrar"),
      schema: {
        tags: ["wallet"],
        summary: "The phones bound to a subject",
        security: [{ bearer: [] }],
        params: idParams,
        response: {
          200: {
            type: "object",
            properties: {
              devices: {
                type: "array",
                items: {
                  type: "object",
                  properties: { id: { type: "string" }, name: { type: "string" }, holderId: { type: "string" }, capacity: { type: "string" }, boundAt: { type: "string" }, lastSeenAt: { type: ["string", "null"] } },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      await createSubjectRepository(db.pool).get(request.params.id);
      const devices = await createWalletRepository(db.pool).devicesOf(request.params.id);
      return {
        devices: devices.map((d) => ({ id: d.id, name: d.name, holderId: d.holder_id, capacity: d.capacity, boundAt: d.bound_at.toISOString(), lastSeenAt: d.last_seen_at?.toISOString() ?? null })),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    "/v1/wallet/registrar/devices/:id/remove",
    {
      preHandler: app.requireRole("registrar"),
      schema: {
        tags: ["wallet"],
        summary: "Unbind one phone (lost, stolen, at the holder's request)",
        security: [{ bearer: [] }],
        params: idParams,
        body: { type: "object", properties: { reason: reasonCode }, required: ["reason"], additionalProperties: false },
        response: { 200: removalResponse, ...errors },
      },
    },
    async (request) => {
      const device = await createWalletRepository(db.pool).device(request.params.id);
      if (!device || device.removed_at) throw notFound("device_not_found", "No such bound device");
      const result = await withTransaction(db.pool, (client) =>
        removeDevices(client, { subjectId: device.subject_id, which: (d) => d.id === device.id, by: "registrar", actor: actorOf(request.operator!), reason: request.body.reason, now: clock.now() }),
      );
      return removed(result);
    },
  );
}
