// The entry browser: search the ledger over the API, and verify, in this browser, that an
// entry is included under the root its anchor put on chain. The API's answers are only
// inputs: the entry hash and the inclusion are recomputed here (protocol/ledger/merkle.ts).
import { fromHex, toHex } from "../../protocol/bytes.ts";
import { leafHash, nobleHasher, verifyInclusion } from "../../protocol/ledger/merkle.ts";
import { t } from "../i18n/index.ts";
import { h } from "../lib/dom.ts";
import { apiGet } from "./settings.ts";
import { $, errorText, mono, td, view, type EntryJson } from "./view.ts";

const SEARCH_LIMIT = "100";

export async function search(): Promise<void> {
  const f = new FormData(document.querySelector<HTMLFormElement>("#search-form")!);
  const q = new URLSearchParams();
  for (const key of ["seq", "type", "subjectRef"]) {
    const v = String(f.get(key) ?? "").trim();
    if (v) q.set(key, v);
  }
  for (const key of ["since", "until"]) {
    const v = String(f.get(key) ?? "").trim();
    if (v) q.set(key, new Date(v).toISOString());
  }
  q.set("limit", SEARCH_LIMIT);
  try {
    const { entries } = await apiGet<{ entries: EntryJson[] }>(`/v1/audit/entries?${q}`);
    view.entries = { state: "shown", entries };
  } catch (error) {
    view.entries = { state: "failed", message: errorText(error) };
  }
  renderEntries();
}

export function renderEntries(): void {
  const e = view.entries;
  const tbody = $("#entry-table tbody");
  if (!e || e.state === "working") return;
  if (e.state === "failed") {
    tbody.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "bad" }, e.message)));
    return;
  }
  tbody.replaceChildren(
    ...e.entries.map((entry) =>
      h(
        "tr",
        { "data-seq": entry.seq },
        td(entry.seq),
        td(entry.type),
        td(entry.subjectRef ?? "", "mono"),
        td(entry.actor),
        td(entry.createdAt),
        td(h("button", { class: "verify", "data-seq": entry.seq, type: "button" }, t("audit.verifyProof"))),
      ),
    ),
  );
}

/** Verifies, in this browser, that entry `seq` is included under the root its anchor put on chain. */
export async function verifyProof(seq: number): Promise<void> {
  const anchor = view.anchors.find((a) => seq >= a.fromSeq && seq <= a.toSeq);
  if (!anchor) {
    view.proof = { state: "shown", notAnchored: seq };
    renderProof();
    return;
  }
  try {
    const p = await apiGet<{ entry: EntryJson; leafIndex: number; treeSize: number; proof: string[] }>(`/v1/audit/proof?seq=${seq}&fromSeq=${anchor.fromSeq}&toSeq=${anchor.toSeq}`);
    // Everything below is recomputed here; the API's numbers are only inputs.
    const entry = JSON.parse(p.entry.canonical) as { seq: number };
    const hash = nobleHasher.entry(fromHex(p.entry.prevHash), p.entry.canonical);
    const hashOk = toHex(hash) === p.entry.hash.toLowerCase() && entry.seq === seq;
    const index = seq - anchor.fromSeq;
    const size = anchor.toSeq - anchor.fromSeq + 1;
    const included = hashOk && verifyInclusion(index, size, leafHash(hash), p.proof.map(fromHex), fromHex(anchor.root));
    view.proof = { state: "shown", seq, anchor, index, size, hashOk, included, entryHash: toHex(hash), proof: p.proof, canonical: p.entry.canonical };
  } catch (error) {
    view.proof = { state: "failed", message: errorText(error) };
  }
  renderProof();
}

export function renderProof(): void {
  const p = view.proof;
  const box = $("#proof");
  box.hidden = !p;
  if (!p || p.state === "working") return;
  const result = (cls: "ok" | "bad", text: string) => h("p", { id: "proof-result", class: cls }, text);
  if (p.state === "failed") return box.replaceChildren(result("bad", p.message));
  if ("notAnchored" in p) return box.replaceChildren(result("bad", t("audit.proof.notAnchored", { seq: p.notAnchored })));
  const a = p.anchor;
  const words = { seq: p.seq, anchor: a.index };
  box.replaceChildren(
    p.included
      ? result("ok", t("audit.proof.verified", { ...words, index: p.index, size: p.size }))
      : result("bad", p.hashOk ? t("audit.proof.notIncluded", words) : t("audit.proof.badHash", words)),
    h(
      "p",
      {},
      `${t("audit.proof.anchor", { anchor: a.index })} · ${t("audit.proof.root")} `,
      mono(a.root),
      ` · ${t("audit.proof.tx")} `,
      mono(a.txHash ?? ""),
      ` · ${t("audit.proof.block", { block: a.blockNumber ?? "" })}`,
    ),
    h("p", {}, `${t("audit.proof.entryHash")} `, mono(p.entryHash)),
    h("p", {}, t("audit.proof.nodes", { n: p.proof.length })),
    h("pre", {}, p.proof.join("\n")),
    h("p", {}, t("audit.proof.canonical")),
    h("pre", {}, p.canonical),
  );
}

