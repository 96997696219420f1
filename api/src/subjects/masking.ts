// Masked display of personal data: what codes, officials and lists show. Only natural
// persons' names are masked: an enterprise's name is public (the national enterprise credit
// publicity system shows it), and an official must be able to tell which company it is, so
// an enterprise's display name is its registered name as is (enrol.ts).

/** 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明. */
export function maskPersonName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${"*".repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** 440524188001010014 → 4405**********0014 (also for a USCC). */
export function maskIdentifier(identifier: string): string {
  if (identifier.length <= 8) return "*".repeat(identifier.length);
  return `${identifier.slice(0, 4)}${"*".repeat(identifier.length - 8)}${identifier.slice(-4)}`;
}
