// An application's page: everything an officer needs to decide. The subject and applicant, the
// due date, the records with their rule evaluation and the facts from the feed, the face
// check's outcome (scores, never the photo), the signed credit commitment, the policy version
// and rule, the decisions so far with their reasons, the chain state, and the history from the
// ledger; then the actions the step allows (./decide.ts).
import { h, type Child } from "../lib/dom.ts";
import { lang, t } from "../i18n/index.ts";
import { get } from "./api.ts";
import { actionsFor, type ApplicationView } from "./decide.ts";
import { card, chip, facts, notice, table, word } from "./ui.ts";

interface WordedReason {
  ruleId: string;
  policyVersion?: string;
  message: string;
  words: Record<"zh" | "en", { text: string; basis: string }>;
}

interface CaseFile {
  subject: { id: string; kind: string; displayName: string };
  applicant: { personId: string; displayName: string; capacity: string; authorisationRef: string | null };
  channel: string;
  records: Array<{ recordId: string; evaluation: { repairable: string | null; earliestDate: string | null; decision: string | null; ruleId: string; policyVersion: string | null; reasons: WordedReason[] } }>;
  faceCheck: { verdict: string; at: string; device: string; challenge: string | null; frames: number; scores: Record<string, number | null>; refusedAttemptsBefore: number; assertion?: { usedFor: string | null; matchedBy: "used_for" | "time" } } | null;
  commitment: { version: string; digest: string; text: string | null; signature: string | null; signedAt: string };
  history: Array<{ seq: number; type: string; at: string; actor: string; by: { name: string; unit: string } | null }>;
}

interface RecordDetail {
  id: string;
  kind: string;
  severity: string;
  sector: string | null;
  decidingUnit: string;
  decisionNo: string;
  decisionDate: string;
  legalBasis: string;
  obligations: Array<{ type: string; amount?: number | null; description: string; fulfilledOn: string | null }>;
  correctionRequired: boolean;
  policyVersion: string;
  minimumEndsOn: string | null;
  lastPublicDay: string | null;
  status: string;
  facts: Array<{ kind: string; on: string; obligationIndex: number | null; conditionId: string | null }>;
}

const when = (iso: string) => new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai" });

function reasonList(reasons: WordedReason[]): HTMLElement {
  return h(
    "ul",
    { class: "reasons" },
    ...reasons.map((r) =>
      h(
        "li",
        {},
        r.words[lang()].text,
        r.words[lang()].basis ? h("small", { class: "basis" }, r.words[lang()].basis) : null,
        h("details", {}, h("summary", {}, t("backoffice.app.ruleDetails")), h("code", {}, `${r.policyVersion ?? ""} ${r.ruleId}`)),
      ),
    ),
  );
}

function recordCard(detail: RecordDetail, evaluation: CaseFile["records"][number]["evaluation"] | undefined): HTMLElement {
  const obligations = detail.obligations.map((o) =>
    h("li", {}, `${word("backoffice.obligation", o.type)}：${o.description}${o.amount ? ` (${o.amount})` : ""} `, o.fulfilledOn ? chip(t("backoffice.app.fulfilledOn", { date: o.fulfilledOn }), "ok") : chip(t("backoffice.app.notFulfilled"), "no")),
  );
  const feedFacts = detail.facts.map((f) => h("li", {}, `${word("backoffice.factKind", f.kind)} · ${f.on}`));
  return h(
    "article",
    { class: "record-card", "data-record": detail.id },
    h("h3", {}, `${word("backoffice.kind", detail.kind)} · ${detail.decisionNo} `, chip(word("backoffice.severity", detail.severity), detail.severity === "serious" ? "no" : "warn"), " ", chip(word("backoffice.recordStatus", detail.status), detail.status === "published" ? "info" : "ok")),
    facts([
      [t("backoffice.app.decidingUnit"), detail.decidingUnit],
      [t("backoffice.app.decisionDate"), detail.decisionDate],
      [t("backoffice.app.legalBasis"), detail.legalBasis],
      [t("backoffice.app.publicity"), `${detail.minimumEndsOn ?? "—"} → ${detail.lastPublicDay ?? "—"}`],
      [t("backoffice.app.correctionRequired"), detail.correctionRequired ? t("backoffice.yes") : t("backoffice.no")],
    ]),
    h("h4", {}, t("backoffice.app.obligations")),
    obligations.length ? h("ul", {}, ...obligations) : h("p", { class: "hint" }, t("backoffice.app.noObligations")),
    h("h4", {}, t("backoffice.app.feedFacts")),
    feedFacts.length ? h("ul", { class: "feed-facts" }, ...feedFacts) : h("p", { class: "hint" }, t("backoffice.app.noFacts")),
    evaluation
      ? h(
          "div",
          { class: "evaluation" },
          h("h4", {}, t("backoffice.app.evaluation")),
          h("p", {}, `${word("backoffice.repairable", evaluation.repairable)} · ${word("backoffice.mode", evaluation.decision)}`),
          reasonList(evaluation.reasons),
        )
      : null,
  );
}

export async function applicationScreen([id]: string[]): Promise<HTMLElement> {
  const [view, file] = await Promise.all([get<ApplicationView>(`/v1/repair-applications/${id}`), get<CaseFile>(`/v1/backoffice/applications/${id}/file`)]);
  const details = await Promise.all(view.records.map((r) => get<RecordDetail>(`/v1/records/${r.id}`)));
  const evaluations = new Map(file.records.map((r) => [r.recordId, r.evaluation]));
  const due = view.due;
  const dueText: Child = due.dueOn
    ? h("span", { class: `due ${due.overdue ? "overdue" : (due.workingDaysLeft ?? 99) <= 2 ? "soon" : "later"}`, id: "app-due" }, `${due.dueOn}${due.provisional ? ` ${t("backoffice.queue.provisional")}` : ""} · ${due.overdue ? t("backoffice.queue.overdue") : t("backoffice.queue.daysLeft", { n: due.workingDaysLeft ?? 0 })}`)
    : "—";
  const face = file.faceCheck;
  // Officers by name and unit (from the history's accounts), not by their opaque ledger id.
  const names = new Map(file.history.filter((e) => e.by).map((e) => [e.actor, `${e.by!.name}（${e.by!.unit}）`]));
  const decisions = view.decisions.map((d) => [
    word("backoffice.step", d.step),
    h("span", { class: `outcome ${d.outcome}` }, word("backoffice.outcome", d.outcome)),
    names.get(d.officer) ?? d.officer,
    d.reasonWords
      ? h("div", { class: "refusal-reason", "data-reason-code": d.reasonCode ?? "" }, d.reasonWords[lang()], d.note ? h("small", { class: "hint note" }, ` ${t("backoffice.decide.noteLabel")}${d.note}`) : null)
      : d.reasons.length
        ? reasonList(d.reasons)
        : (d.reason ?? "—"),
    when(d.decidedAt),
  ]);
  const chain = view.chain;
  return h(
    "div",
    { class: "application", "data-status": view.status, id: "application" },
    h("p", {}, h("a", { href: "#/queue" }, t("backoffice.app.backToQueue"))),
    h("div", { class: "page-head" }, h("h1", {}, file.subject.displayName), h("p", { class: "lead" }, `${word("backoffice.appStatus", view.status)} · ${word("backoffice.mode", view.decisionMode)}`)),
    h(
      "div",
      { class: "two-col" },
      h(
        "div",
        {},
        card(
          t("backoffice.app.summary"),
          facts([
            [t("backoffice.app.status"), h("span", { id: "app-status" }, word("backoffice.appStatus", view.status))],
            [t("backoffice.app.due"), dueText],
            [t("backoffice.app.filed"), when(view.filedAt)],
            [t("backoffice.app.applicant"), `${file.applicant.displayName} · ${word("backoffice.capacity", file.applicant.capacity)}${file.applicant.authorisationRef ? ` · ${file.applicant.authorisationRef}` : ""}`],
            [t("backoffice.app.channel"), word("backoffice.channel", file.channel)],
            [t("backoffice.app.policy"), h("code", { id: "app-policy" }, `${view.policyVersion} · ${view.ruleId}`)],
            [t("backoffice.app.extension"), view.extension ? `${view.extension.words?.[lang()] ?? view.extension.reasonCode} (${when(view.extension.at)})` : t("backoffice.app.notExtended")],
          ]),
        ),
        card(t("backoffice.app.records"), ...details.map((d) => recordCard(d, evaluations.get(d.id)))),
      ),
      h(
        "div",
        {},
        card(t("backoffice.app.actions"), actionsFor(view)),
        card(
          t("backoffice.app.faceCheck"),
          face
            ? h(
                "div",
                { id: "face-outcome" },
                h("p", {}, chip(word("backoffice.faceVerdict", face.verdict), face.verdict === "passed" ? "ok" : "no"), " ", when(face.at), " · ", face.device),
                facts([
                  [t("backoffice.app.faceChallenge"), word("backoffice.challenge", face.challenge)],
                  [t("backoffice.app.faceScores"), Object.entries(face.scores).filter(([, v]) => v !== null).map(([k, v]) => `${word("backoffice.score", k)} ${(v as number).toFixed(3)}`).join(" · ")],
                  [t("backoffice.app.faceFrames"), String(face.frames)],
                  [t("backoffice.app.faceRefusedBefore"), String(face.refusedAttemptsBefore)],
                  [
                    t("backoffice.app.faceAssertion"),
                    h("span", { id: "face-assertion", "data-matched-by": face.assertion?.matchedBy ?? "time" }, t(face.assertion?.matchedBy === "used_for" ? "backoffice.app.faceAssertionRecorded" : "backoffice.app.faceAssertionByTime")),
                  ],
                ]),
                h("p", { class: "hint" }, t("backoffice.app.faceNoPhoto")),
              )
            : h("p", { id: "face-outcome" }, t("backoffice.app.faceAtCounter")),
        ),
        card(
          t("backoffice.app.commitment"),
          facts([
            [t("backoffice.app.commitmentVersion"), file.commitment.version],
            [t("backoffice.app.commitmentDigest"), h("code", { class: "mono" }, file.commitment.digest)],
            [t("backoffice.app.commitmentSignature"), file.commitment.signature ? h("code", { class: "mono" }, file.commitment.signature) : "—"],
            [t("backoffice.app.commitmentSigned"), when(file.commitment.signedAt)],
          ]),
          file.commitment.text ? h("details", {}, h("summary", {}, t("backoffice.app.commitmentText")), h("pre", { class: "commitment-text" }, file.commitment.text)) : null,
        ),
        card(
          t("backoffice.app.decisions"),
          decisions.length ? table([t("backoffice.col.step"), t("backoffice.col.outcome"), t("backoffice.col.officer"), t("backoffice.col.reasons"), t("backoffice.col.when")], decisions, { id: "decision-table" }) : h("p", { class: "hint" }, t("backoffice.app.noDecisions")),
          chain
            ? h(
                "div",
                { id: "chain-state", "data-state": chain.state },
                h("p", {}, t("backoffice.app.chain"), " ", chip(word("backoffice.chainState", chain.state), chain.state === "confirmed" ? "ok" : chain.state === "chain_failed" ? "no" : "info")),
                ...chain.writes.filter((w) => w.error).map((w) => notice(`${w.error}`, "error")),
              )
            : null,
        ),
        card(
          t("backoffice.app.history"),
          h("ol", { class: "history", id: "history" }, ...file.history.map((e) => h("li", {}, h("strong", {}, word("backoffice.entry", e.type)), ` · ${when(e.at)} · `, e.by ? `${e.by.name}（${e.by.unit}）` : e.actor, h("small", { class: "hint" }, ` #${e.seq}`)))),
        ),
      ),
    ),
  );
}
