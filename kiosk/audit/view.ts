// What the console shows, kept so that the language switch can redraw every part of it
// from data: the chain as read, the report, the entries found and the last proof checked.
import type { AuditReport, ChainAnchor } from "../../protocol/audit/auditor.ts";
import type { RoleChange } from "../../protocol/audit/chain-reader.ts";
import { h, type Child } from "../lib/dom.ts";

export interface EntryJson {
  seq: number;
  type: string;
  payload: unknown;
  subjectRef: string | null;
  actor: string;
  createdAt: string;
  prevHash: string;
  hash: string;
  canonical: string;
}

export type Report = AuditReport & Record<string, unknown>;

/** A part of the page that is loading, failed with a message, or shows its data. */
export type Part<T> = { state: "working"; progress?: number } | { state: "failed"; message: string } | ({ state: "shown" } & T);

export interface ProofResult {
  seq: number;
  anchor: ChainAnchor;
  index: number;
  size: number;
  hashOk: boolean;
  included: boolean;
  entryHash: string;
  proof: string[];
  canonical: string;
}

export const view = {
  anchors: [] as ChainAnchor[],
  chain: null as Part<{ block: number; anchorCount: number; head: string }> | null,
  roles: [] as RoleChange[],
  /** The last report shown, and what happens to the next one (loading, failed) while it stays. */
  report: null as { report: Report; source: "published" | "browser" } | null,
  reportStatus: null as Exclude<Part<object>, { state: "shown" }> | null,
  entries: null as Part<{ entries: EntryJson[] }> | null,
  proof: null as Part<ProofResult> | Part<{ notAnchored: number }> | null,
};

export const $ = (selector: string) => document.querySelector<HTMLElement>(selector)!;
export const short = (hash: string | undefined) => (hash ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : "");
export const time = (unix?: number) => (unix ? new Date(unix * 1000).toISOString().replace(".000Z", "Z") : "");
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const td = (content: Child, cls?: string) => h("td", cls ? { class: cls } : {}, content);
export const mono = (text: string) => h("span", { class: "mono" }, text);
export const ok = (text: string) => h("span", { class: "ok" }, text);
export const bad = (text: string) => h("span", { class: "bad" }, text);
