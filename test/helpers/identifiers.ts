// Valid identifiers for tests, made from a number.
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";

export function personId(i: number): string {
  const birth = new Date(Date.UTC(1950, 0, 1) + (i % 20_000) * 86_400_000);
  const date = birth.toISOString().slice(0, 10).replaceAll("-", "");
  const first17 = `440604${date}${String(Math.floor(i / 20_000) % 1000).padStart(3, "0")}`;
  return first17 + residentIdCheckChar(first17);
}

export function uscc(i: number): string {
  const first17 = `91440604${String(i).padStart(9, "0")}`;
  return first17 + usccCheckChar(first17);
}
