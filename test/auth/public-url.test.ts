// PUBLIC_URL's default names localhost, not 127.0.0.1: WebAuthn refuses an IP address as the
// relying-party id, so with the old default the back office's and the wallet's passkeys failed
// under `npm start`. The passkey settings follow the URL; an explicit PUBLIC_URL is kept, and
// a server listening on another host keeps that host.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../api/src/config.ts";
import { authSettings } from "../../api/src/auth/settings.ts";
import { relyingParty } from "../../api/src/wallet/passkeys.ts";

const hex = () => randomBytes(32).toString("hex");
const env = (extra: Record<string, string> = {}) => ({
  SUBJECT_COMMITMENT_KEY: hex(),
  OPERATOR_TOKEN_SECRET: hex(),
  FACE_REFERENCE_KEY: hex(),
  LEDGER_SIGNING_KEY: hex(),
  ...extra,
});

describe("PUBLIC_URL default", () => {
  it("is http://localhost:PORT on this machine, and the passkeys' relying party is localhost", () => {
    const config = loadConfig(env(), "/tmp");
    expect(config.host).toBe("127.0.0.1");
    expect(config.publicUrl).toBe("http://localhost:8080");
    const auth = authSettings(config, {});
    expect(auth.rpId).toBe("localhost");
    expect(auth.origins).toEqual(["http://localhost:8080"]);
    expect(relyingParty(config.publicUrl)).toMatchObject({ id: "localhost", origin: "http://localhost:8080" });
    expect(loadConfig(env({ PORT: "9090", HOST: "0.0.0.0" }), "/tmp").publicUrl).toBe("http://localhost:9090");
  });

  it("keeps an explicit PUBLIC_URL and another listening host", () => {
    expect(loadConfig(env({ PUBLIC_URL: "https://credit.example.gov.cn" }), "/tmp").publicUrl).toBe("https://credit.example.gov.cn");
    expect(loadConfig(env({ HOST: "10.1.2.3" }), "/tmp").publicUrl).toBe("http://10.1.2.3:8080");
  });
});
