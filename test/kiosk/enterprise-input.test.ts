// The kiosk's check of the enterprise screen before anything goes to the API: the GB 32100
// and GB 11643 checks of protocol/identifiers.ts, and a scanned enterprise code passed on.
import { describe, expect, it } from "vitest";
import { looksLikeCode, readApplicant } from "../../kiosk/src/enterprise-input.ts";
import { idNumber, uscc } from "./seed.ts";

const legalRep = (enterprise: string) => readApplicant({ enterprise, capacity: "legal_representative", idNumber: "" });
const agent = (id: string) => readApplicant({ enterprise: uscc(7), capacity: "authorised_agent", idNumber: id });

describe("the enterprise screen's input", () => {
  it("takes a valid USCC, trimmed and in capitals", () => {
    const code = uscc(42);
    expect(legalRep(` ${code.toLowerCase()} `)).toEqual({ ok: true, enterprise: code, capacity: "legal_representative" });
  });

  it("refuses a USCC of the wrong length, a wrong check character, and a wrong structure", () => {
    const code = uscc(42);
    expect(legalRep(code.slice(0, 17))).toEqual({ ok: false, error: "uscc_length" });
    expect(legalRep(code.slice(0, 17) + (code[17] === "0" ? "1" : "0"))).toEqual({ ok: false, error: "uscc_invalid" });
    expect(legalRep("000000000000000000")).toEqual({ ok: false, error: "uscc_invalid" });
  });

  it("passes a scanned enterprise code on as it is", () => {
    expect(looksLikeCode("OC1:/123456")).toBe(true);
    expect(looksLikeCode("eyJhbGciOiJFZERTQSJ9.e30.sig")).toBe(true);
    expect(looksLikeCode(uscc(1))).toBe(false);
    expect(legalRep("OC1:/123456")).toEqual({ ok: true, enterprise: "OC1:/123456", capacity: "legal_representative" });
  });

  it("asks an agent for a resident ID number and checks it", () => {
    const id = idNumber(5);
    expect(agent(` ${id.toLowerCase()} `)).toEqual({ ok: true, enterprise: uscc(7), capacity: "authorised_agent", idNumber: id });
    expect(agent("")).toEqual({ ok: false, error: "id_number_required" });
    expect(agent("44060419")).toEqual({ ok: false, error: "id_number_required" });
    const wrongCheck = id.slice(0, 17) + (id[17] === "1" ? "2" : "1");
    expect(agent(wrongCheck)).toEqual({ ok: false, error: "id_number_invalid" });
  });
});
