// OUTBOX_PIPELINE_DEPTH: how many rounds of chain transactions the outbox worker keeps in flight
// (api/src/chain/outbox-worker.ts). 4 by default, 1 sends them one after another (as before the
// pipelining, e.g. for a node that mishandles queued nonces); anything else stops the boot.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../api/src/config.ts";

const hex = () => randomBytes(32).toString("hex");
const env = (extra: Record<string, string> = {}) => ({
  SUBJECT_COMMITMENT_KEY: hex(),
  OPERATOR_TOKEN_SECRET: hex(),
  FACE_REFERENCE_KEY: hex(),
  LEDGER_SIGNING_KEY: hex(),
  ...extra,
});

describe("OUTBOX_PIPELINE_DEPTH", () => {
  it("is 4 by default, 1 to 16 when set, and a bad value stops the boot naming it", () => {
    expect(loadConfig(env(), "/tmp").outboxPipelineDepth).toBe(4);
    expect(loadConfig(env({ OUTBOX_PIPELINE_DEPTH: "1" }), "/tmp").outboxPipelineDepth).toBe(1);
    expect(loadConfig(env({ OUTBOX_PIPELINE_DEPTH: "16" }), "/tmp").outboxPipelineDepth).toBe(16);
    for (const bad of ["0", "17", "2.5", "many"]) {
      expect(() => loadConfig(env({ OUTBOX_PIPELINE_DEPTH: bad }), "/tmp")).toThrow(ConfigError);
      expect(() => loadConfig(env({ OUTBOX_PIPELINE_DEPTH: bad }), "/tmp")).toThrow(/OUTBOX_PIPELINE_DEPTH/);
    }
  });
});
