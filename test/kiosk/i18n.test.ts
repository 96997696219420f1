// The front ends' one dictionary (kiosk/i18n/): both languages complete for every key, the
// same {placeholders} in both, no key defined by two front ends, every refusal reason of
// the token format worded, every key the HTML pages name present, and no front-end source
// building HTML from strings.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REASONS } from "../../protocol/codes/token-format.ts";
import { areas, en, zh, type Key } from "../../kiosk/i18n/dictionary.ts";
import { lang, lookup, startLang, switchLang, t } from "../../kiosk/i18n/index.ts";

const KIOSK = join(import.meta.dirname, "..", "..", "kiosk");
const keys = Object.keys(zh) as Key[];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function filesUnder(dir: string, ends: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === "dist" ? [] : filesUnder(path, ends);
    return ends.some((e) => d.name.endsWith(e)) ? [path] : [];
  });
}

describe("the front ends' dictionary", () => {
  it("has a non-empty Chinese and English text for every key, and no other keys", () => {
    expect(keys.length).toBeGreaterThan(250);
    expect(Object.keys(en).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      expect(zh[key].trim(), `zh ${key}`).not.toBe("");
      expect(en[key].trim(), `en ${key}`).not.toBe("");
    }
  });

  it("uses the same {placeholders} in both languages", () => {
    for (const key of keys) expect(placeholders(en[key]), key).toEqual(placeholders(zh[key]));
  });

  it("has each key in one front end's file only, under that front end's prefix", () => {
    let total = 0;
    for (const [area, words] of Object.entries(areas)) {
      const own = Object.keys(words.zh);
      total += own.length;
      for (const key of own) expect(key.startsWith(`${area}.`), key).toBe(true);
    }
    expect(total).toBe(keys.length);
  });

  it("words every refusal reason of the token format for the verifier", () => {
    for (const reason of REASONS) expect(lookup(`verifier.reason.${reason}`), reason).toBeTruthy();
  });

  it("fills placeholders, switches language, and finds keys built from data only when they exist", () => {
    expect(startLang()).toBe("zh");
    expect(t("kiosk.stepOf", { n: 2 })).toBe("第 2 步，共 5 步");
    expect(t("kiosk.scores", { s: "0.96", a: "0.80", l: "0.99" })).toBe("相似度 0.96 · 防伪 0.80 · 活体 0.99");
    expect(lookup("kiosk.error.uscc_invalid")).toContain("统一社会信用代码不正确");
    expect(lookup("kiosk.error.no_such_code")).toBeUndefined();
    expect(lookup("kiosk.error.constructor")).toBeUndefined();
    expect(switchLang()).toBe("en");
    expect(lang()).toBe("en");
    expect(t("kiosk.stepOf", { n: 2 })).toBe("Step 2 of 5");
    expect(t("common.langSwitch")).toBe("中文");
    expect(switchLang()).toBe("zh");
  });
});

describe("the front-end sources", () => {
  it("name only dictionary keys in their HTML pages", () => {
    const pages = filesUnder(KIOSK, [".html"]);
    // Every front end's page is found (others may add theirs).
    expect(pages.map((p) => relative(KIOSK, p)).sort()).toEqual(expect.arrayContaining(["audit/index.html", "index.html", "publicity/index.html", "verifier/index.html"]));
    for (const page of pages) {
      const html = readFileSync(page, "utf8");
      const named = [...html.matchAll(/data-i18n(?:-placeholder|-aria-label)?="([^"]+)"/g)].map((m) => m[1]!);
      expect(named.length, relative(KIOSK, page)).toBeGreaterThan(0);
      for (const key of named) expect(Object.hasOwn(zh, key), `${relative(KIOSK, page)}: ${key}`).toBe(true);
    }
  });

  it("build no HTML from strings (text goes in as text nodes: kiosk/lib/dom.ts)", () => {
    const sources = filesUnder(KIOSK, [".ts"]);
    expect(sources.length).toBeGreaterThan(20);
    for (const file of sources) {
      const code = readFileSync(file, "utf8");
      expect(code, relative(KIOSK, file)).not.toMatch(/\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write\(/);
    }
  });
});
