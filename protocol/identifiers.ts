// Checksums of the two identifiers, exactly as ../shared/DOMAIN.md gives them.
// Pure functions: the API, the import command and the kiosk use the same code.

export type Check = { ok: true; value: string } | { ok: false; reason: string };

/** GB 32100-2015 alphabet of 31 characters (no I, O, Z, S, V). */
export const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
export const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters of a Unified Social Credit Code. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`character ${first17[i]} is not in the USCC alphabet`);
    sum += value * USCC_WEIGHTS[i]!;
  }
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c]!;
}

export function checkUscc(input: string): Check {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return { ok: false, reason: `a USCC has 18 characters, got ${value.length}` };
  for (let i = 0; i < 18; i++) {
    if (!USCC_ALPHABET.includes(value[i]!)) return { ok: false, reason: `character ${i + 1} (${value[i]}) is not allowed in a USCC` };
  }
  const expected = usccCheckChar(value.slice(0, 17));
  if (value[17] !== expected) return { ok: false, reason: `check character is ${value[17]}, expected ${expected}` };
  return { ok: true, value };
}

export const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK = "10X98765432";

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i]!;
  return RESIDENT_ID_CHECK[sum % 11]!;
}

/** GB 11643-1999 resident identity number; the birth date must be real and not after `today`. */
export function checkResidentId(input: string, today: Date = new Date()): Check {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return { ok: false, reason: `a resident ID number has 18 characters, got ${value.length}` };
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, reason: "a resident ID number is 17 digits and a digit or X" };
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1800 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) {
    return { ok: false, reason: `birth date ${value.slice(6, 14)} is not a real date` };
  }
  // China Standard Time (UTC+8): a person born "today" in Foshan is valid even before midnight UTC.
  const cst = new Date(today.getTime() + 8 * 3600_000);
  const todayUtc = Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth(), cst.getUTCDate());
  if (birth.getTime() > todayUtc) return { ok: false, reason: `birth date ${value.slice(6, 14)} is in the future` };
  const expected = residentIdCheckChar(value.slice(0, 17));
  if (value[17] !== expected) return { ok: false, reason: `check character is ${value[17]}, expected ${expected}` };
  return { ok: true, value };
}
