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

/**
 * GB 32100-2015 position 1 (registering department) and the position-2 categories each
 * department uses (the standard's table; Y "other" uses 1 only).
 */
export const USCC_CATEGORIES: Readonly<Record<string, string>> = {
  "1": "1239", // 机构编制: 机关, 事业单位, 群众团体, 其他
  "2": "19", // 外交
  "3": "123459", // 司法行政
  "4": "19", // 文化
  "5": "1239", // 民政: 社会团体, 民办非企业单位, 基金会, 其他
  "6": "129", // 旅游
  "7": "129", // 宗教
  "8": "19", // 工会
  "9": "123", // 工商: 企业, 个体工商户, 农民专业合作社
  A: "19", // 中央军委改革和编制办公室
  N: "1239", // 农业
  Y: "1", // 其他
};

/** GB/T 2260 province-level codes (the first two digits of an administrative area). */
export const GB2260_PROVINCES: ReadonlySet<string> = new Set([
  "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
  "71", "81", "82",
]);

const MUNICIPALITIES = new Set(["11", "12", "31", "50"]);
const WITHOUT_COUNTIES = new Set(["71", "81", "82"]);

/**
 * The structure of a GB/T 2260 code: a province, then a prefecture pair (municipalities:
 * 01 districts, 02 counties; elsewhere 01-20 and 51-70 cities, 21-50 prefectures, leagues
 * and autonomous prefectures, 90 county-level units under the province), then a county
 * pair; 00 pairs name the level above. Not checked against the current county list: a
 * code keeps the area it was registered in for life, also after that county was merged
 * or renamed, so a current list would refuse genuine old codes.
 */
export function isGb2260Area(area: string): boolean {
  if (!/^\d{6}$/.test(area)) return false;
  const province = area.slice(0, 2);
  const prefecture = Number(area.slice(2, 4));
  const county = area.slice(4, 6);
  if (!GB2260_PROVINCES.has(province)) return false;
  if (WITHOUT_COUNTIES.has(province)) return area.endsWith("0000");
  if (prefecture === 0) return county === "00";
  if (MUNICIPALITIES.has(province)) return prefecture <= 2;
  return prefecture <= 70 || prefecture === 90;
}

/**
 * GB 32100-2015 Unified Social Credit Code: alphabet, registering department and its
 * category, a GB/T 2260 area, and the check character. The organisation code in 9-17 is
 * not required to satisfy GB 11714's own check: codes assigned since 2015 ("MA…") are
 * not confirmed to (../shared/DOMAIN.md).
 */
export function checkUscc(input: string): Check {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) return { ok: false, reason: `a USCC has 18 characters, got ${value.length}` };
  for (let i = 0; i < 18; i++) {
    if (!USCC_ALPHABET.includes(value[i]!)) return { ok: false, reason: `character ${i + 1} (${value[i]}) is not allowed in a USCC` };
  }
  const categories = USCC_CATEGORIES[value[0]!];
  if (!categories) return { ok: false, reason: `character 1 (${value[0]}) is not a registering department` };
  if (!categories.includes(value[1]!)) return { ok: false, reason: `character 2 (${value[1]}) is not a category of registering department ${value[0]}` };
  const area = value.slice(2, 8);
  if (!isGb2260Area(area)) {
    return { ok: false, reason: `characters 3-8 (${area}) are not a GB/T 2260 administrative area` };
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
