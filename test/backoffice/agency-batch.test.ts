// A credit agency uploads a 10,000-line CSV batch in Chromium (the must-show): the page
// reads the file, finds each USCC once, sends the lines to POST /v1/records:batch 500 at a time
// with a progress bar, and shows what was published and why each bad line was refused. The
// report is checked line by line against what each line of the file must answer (the page's
// downloadable CSV report holds every line), and against the database: one record, one ledger
// entry and one chain write per published line. The same file uploaded again publishes
// nothing twice. Real PostgreSQL, the API's own routes, the page built by vite.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable } from "../helpers/browser.ts";
import { personId, uscc } from "../helpers/identifiers.ts";
import type { Page } from "playwright-core";
import { open, ready, signInWithTotp, SHOTS, startBackOffice, totpAccount, type BackOffice } from "./stack.ts";

const LINES = 10_000;
const ENTERPRISES = 20;
const HEADER = "uscc,kind,severity,decidingUnit,decisionNo,decisionDate,legalBasis,fineAmount,fineText,repairable,notRepairableBasis";

interface Expected {
  status: number;
  code: string;
}

/** The file and what each of its lines (file line numbers, the header is line 1) must answer. */
function batchFile(usccs: string[]): { csv: string; expected: Map<number, Expected> } {
  const rows = [HEADER];
  const expected = new Map<number, Expected>();
  const good = (i: number) => [usccs[i % usccs.length], "admin_penalty", "general", "佛山市禅城区市场监督管理局", `禅市监罚〔2025〕P${i}号`, "2025-09-01", "《中华人民共和国广告法》第五十五条", "30000", "罚款人民币叁万元", "", ""];
  const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");
  for (let i = 0; i < LINES; i++) {
    const line = i + 2;
    const cells = good(i);
    let answer: Expected = { status: 201, code: "" };
    switch (i % 173 === 172 ? (Math.floor(i / 173) % 8) : -1) {
      case 0: // an enterprise nobody enrolled: refused in the page, never sent
        cells[0] = uscc(900_000 + i);
        answer = { status: 400, code: "unknown_uscc" };
        break;
      case 1:
        cells[1] = "bogus";
        answer = { status: 400, code: "invalid_request" };
        break;
      case 2:
        cells[5] = "2099-01-01";
        answer = { status: 422, code: "decision_date_in_future" };
        break;
      case 3:
        cells[5] = "2025-02-30";
        answer = { status: 422, code: "invalid_date" };
        break;
      case 4:
        cells[9] = "false"; // not repairable, without the legal basis
        answer = { status: 422, code: "basis_required" };
        break;
      case 5:
        cells.push("an extra cell");
        answer = { status: 400, code: "csv_columns" };
        break;
      case 6: // the same record as the line before it: published once, this line names it
        cells.splice(0, cells.length, ...good(i - 1));
        answer = { status: 200, code: "already_published" };
        break;
      case 7: // the line before's decision number with other content: a conflict
        cells.splice(0, cells.length, ...good(i - 1));
        cells[6] = "《中华人民共和国产品质量法》第四十九条";
        answer = { status: 409, code: "record_exists" };
        break;
    }
    rows.push(csvLine(cells as string[]));
    expected.set(line, answer);
  }
  return { csv: `${rows.join("\r\n")}\r\n`, expected };
}

/** The page's downloadable report (line,status,code,detail,recordId). */
async function reportOf(page: Page): Promise<Map<number, { status: number; code: string; recordId: string }>> {
  // Downloaded as a person would (the page's CSP lets no script read the blob back).
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#batch-download")]);
  const text = readFileSync((await download.path())!, "utf8");
  const out = new Map<number, { status: number; code: string; recordId: string }>();
  for (const row of text.split("\n").slice(1)) {
    const [line, status, code] = row.split(",");
    out.set(Number(line), { status: Number(status), code: code ?? "", recordId: row.slice(row.lastIndexOf(",") + 1) });
  }
  return out;
}

describe.skipIf(!chromiumAvailable())("a credit agency's 10,000-line batch (Chromium)", () => {
  let t: BackOffice;
  let usccs: string[];
  beforeAll(async () => {
    t = await startBackOffice();
    const registrar = await t.auth("registrar", "registrar-1");
    usccs = [];
    for (let n = 0; n < ENTERPRISES; n++) {
      const person = (await t.app.inject({ method: "POST", url: "/v1/persons", headers: registrar, payload: { idNumber: personId(7000 + n), name: "陈大文" } })).json();
      const code = uscc(7000 + n);
      const ent = await t.app.inject({ method: "POST", url: "/v1/enterprises", headers: registrar, payload: { uscc: code, name: `佛山市禅城区批量${n}号贸易有限公司`, legalRepresentativeId: person.id } });
      expect(ent.statusCode, ent.body).toBe(201);
      usccs.push(code);
    }
  }, 300_000);
  afterAll(async () => t?.stop());

  it("uploads the file, shows the report line by line, and a second upload publishes nothing twice", async () => {
    const { csv, expected } = batchFile(usccs);
    const published = [...expected.values()].filter((e) => e.status === 201).length;
    const bad = [...expected.entries()].filter(([, e]) => e.status !== 201 && e.status !== 200);
    expect(bad.length).toBeGreaterThan(40);

    const agency = await totpAccount(t, "sun.agency", ["credit_agency"], "禅城区市场监督管理局");
    const { page, errors } = await t.newPage();
    await signInWithTotp(t, page, agency);
    await open(page, t.url, "agency");
    const count = async (sql: string) => Number((await t.db.pool.query<{ n: string }>(sql)).rows[0]!.n);
    const before = { records: await count("SELECT count(*) AS n FROM credit_records"), ledger: await count("SELECT count(*) AS n FROM ledger"), outbox: await count("SELECT count(*) AS n FROM chain_outbox") };

    const upload = async () => {
      await page.setInputFiles("#batch-file", { name: "records-10000.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
      const started = Date.now();
      await page.click("#batch-upload");
      await page.waitForSelector("#batch-summary", { timeout: 120_000 });
      return (Date.now() - started) / 1000;
    };
    const seconds = await upload();
    console.log(`batch of ${LINES} lines: ${seconds.toFixed(1)} s in the browser (${Math.round(LINES / seconds)} lines/s)`);
    expect(await page.locator("#batch-progress").getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator("#batch-summary").innerText()).toContain(`已发布 ${published} 行`);

    // Every line of the file, exactly: the downloadable report, and the table of refused lines.
    const report = await reportOf(page);
    expect(report.size).toBe(LINES);
    for (const [line, e] of expected) {
      const r = report.get(line);
      expect([line, r?.status, r?.code], `line ${line}`).toEqual([line, e.status, e.code]);
      if (e.status === 201 || e.status === 200) expect(r!.recordId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // A repeated line names the record its twin published.
    for (const [line, e] of expected) if (e.code === "already_published") expect(report.get(line)!.recordId).toBe(report.get(line - 1)!.recordId);
    const refusedRows = await page.locator("#batch-refused tbody tr").evaluateAll((rows) => rows.map((r) => [Number(r.children[0]!.textContent), r.children[1]!.textContent]));
    expect(refusedRows).toEqual(bad.map(([line, e]) => [line, e.code]));
    expect(await page.locator("#batch-refused").innerText()).toContain("未登记的统一社会信用代码");

    // The database: exactly one record, one ledger entry and one chain write per published line.
    expect(await count("SELECT count(*) AS n FROM credit_records")).toBe(before.records + published);
    expect(await count("SELECT count(*) AS n FROM ledger")).toBe(before.ledger + published);
    expect(await count("SELECT count(*) AS n FROM chain_outbox")).toBe(before.outbox + published);
    await page.screenshot({ path: join(SHOTS, "agency-batch.zh.png"), fullPage: true });

    // In English, the same file again: nothing published twice, every line names its record.
    await page.click("#lang");
    await ready(page);
    await upload();
    expect(await page.locator("#batch-summary").innerText()).toContain("0 lines published");
    expect(await page.locator("#batch-already").innerText()).toContain(`${published + [...expected.values()].filter((e) => e.status === 200).length} lines published before`);
    const again = await reportOf(page);
    for (const [line, e] of expected) {
      const first = report.get(line)!;
      const r = again.get(line)!;
      if (e.status === 201 || e.status === 200) expect([line, r.status, r.code, r.recordId]).toEqual([line, 200, "already_published", first.recordId]);
      else expect([line, r.status, r.code]).toEqual([line, e.status, e.code]);
    }
    expect(await count("SELECT count(*) AS n FROM credit_records")).toBe(before.records + published);
    expect(await count("SELECT count(*) AS n FROM ledger")).toBe(before.ledger + published);
    await page.screenshot({ path: join(SHOTS, "agency-batch.en.png"), fullPage: true });
    expect(errors).toEqual([]);
  }, 300_000);
});
