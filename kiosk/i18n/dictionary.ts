// The one dictionary of the front ends: Chinese (the default) and English, one file per
// front end. Each file types its English as Record<keyof typeof zh, string>, so a key
// missing in either language fails the type check; test/kiosk/i18n.test.ts checks that no
// text is empty, that both languages use the same {placeholders}, and that no two files
// define the same key.
import * as audit from "./audit.ts";
import * as backoffice from "./backoffice.ts";
import * as common from "./common.ts";
import * as kiosk from "./kiosk.ts";
import * as publicPage from "./public.ts";
import * as verifier from "./verifier.ts";
import * as wallet from "./wallet.ts";

export type Lang = "zh" | "en";

/** Each front end's words, for the test that no key is defined twice. */
export const areas = { common, kiosk, verifier, audit, public: publicPage, wallet, backoffice } as const;

export const zh = { ...common.zh, ...kiosk.zh, ...verifier.zh, ...audit.zh, ...publicPage.zh, ...wallet.zh, ...backoffice.zh };
export type Key = keyof typeof zh;
export const en: Record<Key, string> = { ...common.en, ...kiosk.en, ...verifier.en, ...audit.en, ...publicPage.en, ...wallet.en, ...backoffice.en };

export const dictionaries: Record<Lang, Record<Key, string>> = { zh, en };

/** The {placeholders} of a text, as a type: "第 {n} 步" → "n". */
export type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
/** The values a key's text needs: none, or one object naming every placeholder. */
export type Params<K extends Key> = [Placeholders<(typeof zh)[K]>] extends [never] ? [] : [params: Record<Placeholders<(typeof zh)[K]>, string | number>];
