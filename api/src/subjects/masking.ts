// Masked display of personal data: what codes, officials and lists show.

/** 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明. */
export function maskPersonName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${"*".repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

const LEGAL_FORMS = ["股份有限公司", "有限责任公司", "有限公司", "合伙企业", "个人独资企业", "专业合作社", "分公司", "集团", "公司", "商行", "门市部", "店", "厂"];

/** 佛山市禅城区某某贸易有限公司 → 佛山市**有限公司: the place prefix and the legal form stay. */
export function maskEnterpriseName(name: string): string {
  const chars = [...name.trim()];
  const text = chars.join("");
  const suffix = LEGAL_FORMS.find((form) => text.endsWith(form) && chars.length > [...form].length + 1) ?? "";
  const body = chars.slice(0, chars.length - [...suffix].length);
  const place = /^(.{2,3}?[省市])/u.exec(body.join(""));
  let prefixLength = place ? [...place[1]!].length : Math.min(2, Math.max(1, body.length - 2));
  if (prefixLength >= body.length) prefixLength = Math.max(0, body.length - 1);
  return `${body.slice(0, prefixLength).join("")}**${suffix}`;
}

/** 440524188001010014 → 4405**********0014 (also for a USCC). */
export function maskIdentifier(identifier: string): string {
  if (identifier.length <= 8) return "*".repeat(identifier.length);
  return `${identifier.slice(0, 4)}${"*".repeat(identifier.length - 8)}${identifier.slice(-4)}`;
}
