// What the person typed or scanned on the enterprise screen, checked before it goes to the
// API: a scanned enterprise code goes as it is; a typed USCC must pass GB 32100 and an
// agent's ID number GB 11643 (protocol/identifiers.ts, the same checks the API makes), so a
// typo is caught at the field with words that say how to fix it.
import { checkResidentId, checkUscc } from "../../protocol/identifiers.ts";
import type { Capacity } from "./state.ts";

export type EnterpriseEntry =
  | { ok: true; enterprise: string; capacity: Capacity; idNumber?: string }
  | { ok: false; error: "uscc_length" | "uscc_invalid" | "id_number_required" | "id_number_invalid" };

/** A scanned enterprise code (QR text `OC1:/…` or the signed token) rather than a typed USCC. */
export function looksLikeCode(text: string): boolean {
  return text.length > 30 || text.includes(".") || /^OC1:\//i.test(text);
}

/** A person applying for themself (本人办理) gives their own ID number (GB 11643 checked here too). */
export function readOwnIdNumber(input: string, today = new Date()): { ok: true; idNumber: string } | { ok: false; error: "id_number_required" | "id_number_invalid" } {
  const id = input.trim();
  if (!/^[0-9]{17}[0-9Xx]$/.test(id)) return { ok: false, error: "id_number_required" };
  const checked = checkResidentId(id, today);
  return checked.ok ? { ok: true, idNumber: checked.value } : { ok: false, error: "id_number_invalid" };
}

export function readApplicant(input: { enterprise: string; capacity: Capacity; idNumber: string }, today = new Date()): EnterpriseEntry {
  const raw = input.enterprise.trim();
  let enterprise = raw;
  if (!looksLikeCode(raw)) {
    if (raw.length !== 18) return { ok: false, error: "uscc_length" };
    const uscc = checkUscc(raw);
    if (!uscc.ok) return { ok: false, error: "uscc_invalid" };
    enterprise = uscc.value;
  }
  if (input.capacity !== "authorised_agent") return { ok: true, enterprise, capacity: input.capacity };
  const id = readOwnIdNumber(input.idNumber, today);
  return id.ok ? { ok: true, enterprise, capacity: input.capacity, idNumber: id.idNumber } : id;
}
