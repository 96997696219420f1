// JSON schema pieces shared by the face feature's kiosk and registrar routes.
const problem = { $ref: "Problem#" } as const;

/** The refusals a face route may answer with, all as problem+json. */
export const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 413: problem, 422: problem, 429: problem, 503: problem };

export const idParams = {
  type: "object",
  properties: { id: { type: "string", format: "uuid" } },
  required: ["id"],
  additionalProperties: false,
} as const;

export const security = [{ bearer: [] }];
