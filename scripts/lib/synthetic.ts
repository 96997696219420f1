// Synthetic subjects for benchmarks and fault tests: deterministic (seeded), with
// identifiers whose checksums are valid exactly as ../shared/DOMAIN.md gives them
// (resident ID numbers GB 11643 with real birth dates; Unified Social Credit Codes
// GB 32100 whose organisation code also carries its GB 11714 check character),
// Chinese names, and 30 % enterprises, each with a legal representative among the
// persons generated before it. No real person's data: the names and numbers are drawn
// from a pseudo-random generator.
//
//   node scripts/lib/synthetic.ts --count 1000 [--seed 1] [--format ndjson|csv] [--out FILE]
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";

export interface SyntheticPerson {
  kind: "person";
  idNumber: string;
  name: string;
}

export interface SyntheticEnterprise {
  kind: "enterprise";
  uscc: string;
  name: string;
  /** Resident ID number of a person generated earlier in the same stream. */
  legalRepresentativeIdNumber: string;
}

export type SyntheticSubject = SyntheticPerson | SyntheticEnterprise;

export interface SyntheticOptions {
  seed?: number;
  /** Share of enterprises, 0..1 (default 0.3). */
  enterpriseShare?: number;
  /** Birth dates are drawn before this day (default 2026-01-01) so every number stays valid. */
  today?: Date;
}

/** splitmix32-style generator: small, fast, and the same numbers on every machine. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** GB/T 2260 area codes: Foshan's districts first (440604 is Chancheng), then other Guangdong areas. */
export const AREA_CODES = [
  "440604", "440604", "440604", "440604", // Chancheng, weighted: the district's own residents
  "440605", "440606", "440607", "440608", // Nanhai, Shunde, Sanshui, Gaoming
  "440103", "440104", "440105", "440106", "440111", // Guangzhou
  "440303", "440304", "440305", // Shenzhen
  "440402", "440703", "441302", "441802", "445102", "440823",
] as const;

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫"];
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉志红玲峰婷宇浩鹏飞凯俊琳晶颖欣怡嘉豪子轩梓涵雨萱思彤家乐锦荣展鸿伟健永康淑贤慧妍诗琪晓彬海燕振宁卓";
const BRAND = "顺达鸿盛华信嘉禾宏远永丰金辉佳美恒通泰和瑞祥德润新兴广益陶艺南风岭秀祖庙石湾汾江季华澜石绿景魁奇";
const TRADES = [
  "陶瓷", "五金制品", "家具", "纺织", "电子科技", "贸易", "餐饮管理", "物流", "建材", "机械设备",
  "照明电器", "食品", "服装", "装饰工程", "信息技术", "印刷", "塑料制品", "化工", "医疗器械", "文化传播",
];
const FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "商行"];

/** The GB 11714 organisation code check character of 8 body characters (digits and capitals). */
export function orgCodeCheckChar(body8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body8[i]!;
    const value = ch >= "0" && ch <= "9" ? Number(ch) : ch.charCodeAt(0) - 55; // A = 10
    sum += value * weights[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? "X" : c === 11 ? "0" : String(c);
}

const ORG_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"; // capitals allowed in a USCC (no I, O, Z, S, V)
const DAY_MS = 86_400_000;

export class SubjectGenerator {
  private readonly random: Random;
  private readonly enterpriseShare: number;
  private readonly birthFrom: number;
  private readonly birthSpanDays: number;
  private readonly adultBefore: number;
  private readonly ids = new Set<string>();
  private readonly usccs = new Set<string>();
  /** Persons old enough to represent an enterprise (ID numbers), a bounded sample. */
  private readonly adults: string[] = [];
  private produced = 0;
  private enterprises = 0;

  constructor(options: SyntheticOptions = {}) {
    this.random = new Random(options.seed ?? 1);
    this.enterpriseShare = options.enterpriseShare ?? 0.3;
    const today = (options.today ?? new Date("2026-01-01T00:00:00Z")).getTime();
    this.birthFrom = Date.UTC(1940, 0, 1);
    this.birthSpanDays = Math.floor((today - DAY_MS - this.birthFrom) / DAY_MS);
    this.adultBefore = today - 18 * 365.25 * DAY_MS;
  }

  /** Persons come first in every stretch so that each enterprise's representative is already there. */
  next(): SyntheticSubject {
    this.produced++;
    const wantEnterprises = Math.floor(this.produced * this.enterpriseShare);
    if (this.enterprises < wantEnterprises && this.adults.length > 0) {
      this.enterprises++;
      return this.enterprise();
    }
    return this.person();
  }

  *take(count: number): Generator<SyntheticSubject> {
    for (let i = 0; i < count; i++) yield this.next();
  }

  person(): SyntheticPerson {
    for (;;) {
      const birth = this.birthFrom + this.random.int(this.birthSpanDays) * DAY_MS;
      const date = new Date(birth);
      const ymd = `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, "0")}${String(date.getUTCDate()).padStart(2, "0")}`;
      const male = this.random.next() < 0.5;
      // Sequence 001..999, odd for men, even for women.
      let seq = 1 + this.random.int(999);
      if ((seq % 2 === 1) !== male) seq = seq === 999 ? 998 : seq + 1;
      const first17 = `${this.random.pick(AREA_CODES)}${ymd}${String(seq).padStart(3, "0")}`;
      const idNumber = first17 + residentIdCheckChar(first17);
      if (this.ids.has(idNumber)) continue;
      this.ids.add(idNumber);
      if (birth < this.adultBefore) {
        if (this.adults.length < 100_000) this.adults.push(idNumber);
        else this.adults[this.random.int(this.adults.length)] = idNumber;
      }
      return { kind: "person", idNumber, name: this.personName(male) };
    }
  }

  enterprise(): SyntheticEnterprise {
    for (;;) {
      const area = this.random.next() < 0.8 ? "440604" : this.random.pick(AREA_CODES);
      // Newer codes carry "MA" + 6 characters; older ones an 8-digit organisation code.
      let body = "";
      if (this.random.next() < 0.6) {
        body = "MA";
        for (let i = 0; i < 6; i++) body += this.random.next() < 0.5 ? String(this.random.int(10)) : this.random.pick([...ORG_LETTERS]);
      } else {
        for (let i = 0; i < 8; i++) body += String(this.random.int(10));
      }
      const first17 = `91${area}${body}${orgCodeCheckChar(body)}`;
      const uscc = first17 + usccCheckChar(first17);
      if (this.usccs.has(uscc)) continue;
      this.usccs.add(uscc);
      return { kind: "enterprise", uscc, name: this.enterpriseName(area), legalRepresentativeIdNumber: this.random.pick(this.adults) };
    }
  }

  private personName(_male: boolean): string {
    const surname = this.random.next() < 0.01 ? this.random.pick(COMPOUND_SURNAMES) : this.random.pick([...SURNAMES]);
    const given = this.random.next() < 0.7 ? 2 : 1;
    let name = surname;
    for (let i = 0; i < given; i++) name += GIVEN[this.random.int(GIVEN.length)];
    return name;
  }

  private enterpriseName(area: string): string {
    const place = area === "440604" ? "佛山市禅城区" : area.startsWith("4406") ? "佛山市" : "广东";
    const brand = BRAND[this.random.int(BRAND.length)]! + BRAND[this.random.int(BRAND.length)]!;
    return `${place}${brand}${this.random.pick(TRADES)}${this.random.pick(FORMS)}`;
  }
}

/** `count` subjects from `seed`: the same list on every run. */
export function generateSubjects(count: number, options: SyntheticOptions = {}): SyntheticSubject[] {
  return [...new SubjectGenerator(options).take(count)];
}

export type SyntheticFormat = "ndjson" | "csv";

/**
 * One line of the bulk import format (scripts/import.ts): NDJSON objects
 * {"kind":"person","idNumber":…,"name":…} and
 * {"kind":"enterprise","uscc":…,"name":…,"legalRepresentativeIdNumber":…},
 * or CSV with the header CSV_HEADER (legal_representative: the person's ID number).
 */
export const CSV_HEADER = "kind,identifier,name,legal_representative";

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function formatLine(subject: SyntheticSubject, format: SyntheticFormat): string {
  if (format === "ndjson") return JSON.stringify(subject);
  const identifier = subject.kind === "person" ? subject.idNumber : subject.uscc;
  const rep = subject.kind === "enterprise" ? subject.legalRepresentativeIdNumber : "";
  return [subject.kind, identifier, subject.name, rep].map(csvField).join(",");
}

/** Streams `count` subjects into `file` in the import format; returns the counts written. */
export async function writeSubjectsFile(
  file: string,
  count: number,
  options: SyntheticOptions & { format?: SyntheticFormat } = {},
): Promise<{ persons: number; enterprises: number }> {
  const format = options.format ?? (file.endsWith(".csv") ? "csv" : "ndjson");
  const out = createWriteStream(file, { encoding: "utf8" });
  const generator = new SubjectGenerator(options);
  let persons = 0;
  let enterprises = 0;
  let chunk: string[] = format === "csv" ? [CSV_HEADER] : [];
  for (const subject of generator.take(count)) {
    if (subject.kind === "person") persons++;
    else enterprises++;
    chunk.push(formatLine(subject, format));
    if (chunk.length >= 10_000) {
      if (!out.write(chunk.join("\n") + "\n")) await once(out, "drain");
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join("\n") + "\n");
  out.end();
  await once(out, "finish");
  return { persons, enterprises };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const count = Number(opt("count", "1000"));
  const seed = Number(opt("seed", "1"));
  const format = opt("format", "ndjson") as SyntheticFormat;
  const outFile = opt("out", "");
  if (outFile) {
    const counts = await writeSubjectsFile(outFile, count, { seed, format });
    console.error(`wrote ${count} subjects (${counts.persons} persons, ${counts.enterprises} enterprises) to ${outFile}`);
  } else {
    if (format === "csv") console.log(CSV_HEADER);
    for (const s of new SubjectGenerator({ seed }).take(count)) console.log(formatLine(s, format));
  }
}
