// GB 32100-2015 beyond the check character: department, category and area are checked,
// so a code that only satisfies the 18th-character check is refused.
import { describe, expect, it } from "vitest";
import { checkUscc, usccCheckChar, USCC_ALPHABET } from "../../protocol/identifiers.ts";

const withCheck = (first17: string) => first17 + usccCheckChar(first17);

describe("USCC structure (GB 32100-2015)", () => {
  it("refuses the two codes that passed the check character alone, each for its reason", () => {
    expect(checkUscc("000000000000000000")).toEqual({ ok: false, reason: "character 1 (0) is not a registering department" });
    // Department 1, category 1 (机关) are right; 111111 is no area: Beijing's prefecture pairs are 01 and 02.
    expect(checkUscc("111111111111111115")).toEqual({ ok: false, reason: "characters 3-8 (111111) are not a GB/T 2260 administrative area" });
  });

  it.each([
    ["91350100M000100Y43"], // DOMAIN.md worked example
    ["91310110666007217T"], // DOMAIN.md worked example
    [withCheck("91440604MA4UDEM01")], // Chancheng District, Foshan
    [withCheck("12440000455858154")], // 机构编制 事业单位, Guangdong province level
    [withCheck("51440604MJL123456")], // 民政 社会团体
    [withCheck("92440604MA5ABCDE0")], // 工商 个体工商户
    [withCheck("93440604MA5ABCDE1")], // 工商 农民专业合作社
    [withCheck("Y1440604MA5ABCDE2")], // 其他
    [withCheck("N2440604MA5ABCDE3")], // 农业 村级集体经济组织
    [withCheck("81810000MA5ABCDE4")], // 工会, Hong Kong area code
    [withCheck("91500235MA5ABCDE5")], // Chongqing, a county (云阳县 500235)
    [withCheck("91469001MA5ABCDE6")], // Hainan, a county-level city under the province (五指山 469001)
    [withCheck("91152501MA5ABCDE7")], // Inner Mongolia, a league (锡林郭勒盟 1525)
  ])("accepts %s", (code) => {
    expect(checkUscc(code)).toEqual({ ok: true, value: code });
  });

  it.each([
    [withCheck("94440604MA4UDEM01"), "character 2 (4) is not a category of registering department 9"],
    [withCheck("Y2440604MA4UDEM01"), "character 2 (2) is not a category of registering department Y"],
    [withCheck("B1440604MA4UDEM01"), "character 1 (B) is not a registering department"],
    [withCheck("91000000MA4UDEM01"), "characters 3-8 (000000) are not a GB/T 2260 administrative area"],
    [withCheck("91990000MA4UDEM01"), "characters 3-8 (990000) are not a GB/T 2260 administrative area"],
    [withCheck("9144A604MA4UDEM01"), "characters 3-8 (44A604) are not a GB/T 2260 administrative area"],
    [withCheck("91160604MA4UDEM01"), "characters 3-8 (160604) are not a GB/T 2260 administrative area"],
    [withCheck("91447104MA4UDEM01"), "characters 3-8 (447104) are not a GB/T 2260 administrative area"],
    [withCheck("91440004MA4UDEM01"), "characters 3-8 (440004) are not a GB/T 2260 administrative area"],
    [withCheck("91810101MA4UDEM01"), "characters 3-8 (810101) are not a GB/T 2260 administrative area"],
  ])("refuses %s: %s", (code, reason) => {
    expect(checkUscc(code)).toEqual({ ok: false, reason });
  });

  it("still refuses a wrong check character on a well-formed code", () => {
    const good = withCheck("91440604MA4UDEM01");
    const wrong = USCC_ALPHABET[(USCC_ALPHABET.indexOf(good[17]!) + 1) % 31]!;
    expect(checkUscc(good.slice(0, 17) + wrong).ok).toBe(false);
  });
});
