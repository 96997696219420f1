// The last line before an entry becomes permanent: no resident ID number (GB 11643) and no
// mainland mobile number in any string of the entry (payload values and keys, actor, subject
// ref), whichever route or free-text field it came from. Entries are hash-chained and
// anchored, so a number written once can never be erased; the feature routes are expected to
// take reason codes, not text (a note goes to an erasable row), and this guard catches what
// slips through: the whole append is refused with 422 personal_data_in_ledger.
//
// What counts, chosen so that the hex the ledger is full of (commitments, code ids, hashes)
// never matches: the number must stand alone, with no letter or digit right before or after
// it (Chinese text, spaces and punctuation around it are fine).
//   resident ID   17 digits and a digit or X, a GB/T 2260 province and a real birth date
//                 (check character not required: a mistyped number is still someone's);
//                 a valid USCC of 18 digits is an enterprise's public code and passes.
//   mobile        1[3-9] and 9 more digits, optionally +86/86 before and - or space between
//                 the 3-4-4 groups.
// Not caught: numbers spelled with full-width digits or split by other characters, names.
import { checkUscc, GB2260_PROVINCES } from "../../../protocol/identifiers.ts";
import { unprocessable } from "../errors.ts";

const RESIDENT_ID = /(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])/g;
const MOBILE = /(?<![0-9A-Za-z+])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9A-Za-z])/g;

export type PersonalDataKind = "resident_id" | "mobile_number";

function looksLikeResidentId(candidate: string): boolean {
  if (!GB2260_PROVINCES.has(candidate.slice(0, 2))) return false;
  const y = Number(candidate.slice(6, 10));
  const m = Number(candidate.slice(10, 12));
  const d = Number(candidate.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 2100 || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return false;
  return !checkUscc(candidate).ok;
}

/** The kind of personal data in one string, or null. */
export function personalDataIn(text: string): PersonalDataKind | null {
  if (text.length < 11) return null;
  for (const m of text.matchAll(RESIDENT_ID)) if (looksLikeResidentId(m[1]!)) return "resident_id";
  MOBILE.lastIndex = 0;
  return MOBILE.test(text) ? "mobile_number" : null;
}

/** The first string in a JSON-like value (keys included) that holds personal data, with its path. */
export function findPersonalData(value: unknown, path: string): { path: string; kind: PersonalDataKind } | null {
  if (typeof value === "string") {
    const kind = personalDataIn(value);
    return kind ? { path, kind } : null;
  }
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findPersonalData(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value instanceof Date) return null;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const kind = personalDataIn(key);
    if (kind) return { path: `${path} (a key)`, kind };
    const found = findPersonalData(inner, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

const WORDS: Record<PersonalDataKind, string> = { resident_id: "a resident ID number", mobile_number: "a mobile phone number" };

/** Throws 422 personal_data_in_ledger when any string of the entry holds personal data. */
export function refusePersonalData(entry: { type: string; payload: unknown; actor: string; subjectRef?: string | null }): void {
  const found =
    findPersonalData(entry.payload, "payload") ??
    findPersonalData(entry.actor, "actor") ??
    (entry.subjectRef ? findPersonalData(entry.subjectRef, "subjectRef") : null);
  if (!found) return;
  // The value itself is never echoed: the answer would put it into logs.
  throw unprocessable(
    "personal_data_in_ledger",
    `${found.path} of a ${entry.type} entry holds what looks like ${WORDS[found.kind]}; ledger entries are permanent and must not carry personal data (use a reason code; keep notes out of the ledger)`,
    { field: found.path, kind: found.kind, entryType: entry.type },
  );
}
