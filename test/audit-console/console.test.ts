// The auditors' console in a real Chromium: it reads the anchors and role changes from a
// real anvil chain itself, browses entries over the API, and verifies an entry's
// inclusion proof in the browser against the root read from the chain — and refuses it
// once the entry was edited in PostgreSQL behind the API's back. Chinese by default, the
// same facts in English after the switch or with ?lang=en. The browser audit verifies the
// ledger signatures under the keys the API publishes, and names an entry a database intruder
// appended and a signature changed in the database, in both languages.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Contract } from "ethers";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../api/src/app.ts";
import { mintOperatorToken } from "../../api/src/auth/operators.ts";
import { withTransaction } from "../../api/src/db/database.ts";
import { appendEntries } from "../../api/src/ledger/append.ts";
import { leafHash, rootFromLeafHashes } from "../../protocol/ledger/merkle.ts";
import { toHex } from "../../protocol/bytes.ts";
import { entryHash } from "../../protocol/ledger/entry.ts";
import { writeDeployment } from "../../scripts/lib/deployment.ts";
import { chromiumAvailable, launchBrowser } from "../helpers/browser.ts";
import { startTestChain, type TestChain } from "../helpers/chain.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { TestClock, testConfig } from "../helpers/app.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "onecode-audit-console-"));
let db: TestDatabase;
let testChain: TestChain;
let app: FastifyInstance;
let browser: Browser;
let pageUrl: string;
let kid: string;
let operatorSecret: Uint8Array;

beforeAll(async () => {
  [db, testChain] = await Promise.all([createTestDatabase(), startTestChain()]);
  // A small anchored ledger: 3 batches of 40, then 10 entries not yet anchored (but
  // recent: the in-browser audit judges the delay against the browser's clock).
  const start = Date.now() - 200_000;
  await withTransaction(db.pool, (c) =>
    appendEntries(
      c,
      Array.from({ length: 130 }, (_, i) => ({
        type: i % 5 === 0 ? "code.issued" : "record.published",
        payload: { n: i + 1, note: "行政处罚信息" },
        actor: "registrar:wang",
        subjectRef: `subject-${i % 9}`,
        at: new Date(start + i * 1000),
      })),
    ),
  );
  const ledger = testChain.chain.creditLedger.connect(testChain.chain.signers.anchorer) as Contract;
  const { rows } = await db.pool.query<{ hash: Buffer }>("SELECT hash FROM ledger ORDER BY seq");
  for (let from = 1; from <= 120; from += 40) {
    const root = rootFromLeafHashes(rows.slice(from - 1, from + 39).map((r) => leafHash(r.hash)));
    const head = (await ledger.getFunction("head").staticCall()) as string;
    await (await ledger.getFunction("anchorBatch").send(from, from + 39, `0x${toHex(root)}`, head)).wait();
  }
  const deploymentFile = join(dir, "deployment.json");
  await writeDeployment(deploymentFile, testChain.deployment);

  // Only the console page, built by vite into a temporary folder.
  const outDir = join(dir, "ui");
  await build({
    configFile: false,
    root: resolve(ROOT, "kiosk"),
    base: "/ui/audit/",
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, target: "es2022", rollupOptions: { input: { audit: resolve(ROOT, "kiosk/audit/index.html") } } },
  });
  const config = testConfig({ chainRpcUrl: testChain.rpcUrl, deploymentFile });
  app = await buildApp({ config, db, clock: new TestClock("2026-11-26T02:00:00.000Z"), chain: null }, { logger: false });
  await app.register(fastifyStatic, { root: outDir, prefix: "/ui/audit/", decorateReply: false });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  operatorSecret = config.operatorTokenSecret;
  const token = await mintOperatorToken(config.operatorTokenSecret, { sub: "auditor-1", role: "auditor" });
  pageUrl = `${address}/ui/audit/audit/index.html?token=${encodeURIComponent(token)}`;
  kid = ((await app.inject({ url: "/v1/ledger/keys" })).json() as { signing: string }).signing;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await db?.drop();
  await testChain?.stop();
});

describe.skipIf(!chromiumAvailable())("audit console", () => {
  it("shows the anchors and role changes read from the chain, and verifies an entry's proof in the browser", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pageUrl);
    await page.waitForSelector("body[data-ready=true]");
    // Filled from /v1/audit/config, then read from the chain by the browser.
    await page.waitForSelector("#anchor-table tbody tr");
    expect(await page.locator("#anchor-table tbody tr").count()).toBe(3);
    expect(await page.locator("#anchor-chart rect.bar").count()).toBe(3);
    await expect.poll(() => page.locator("#role-table tbody tr").count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator("#role-table").innerText()).toContain("ANCHORER_ROLE");

    await page.fill("#search-form input[name=seq]", "57");
    await page.click("#search");
    await page.waitForSelector('#entry-table tbody tr[data-seq="57"]');
    await page.click('button.verify[data-seq="57"]');
    await page.waitForSelector("#proof-result");
    // Chinese first (the default), the same facts in English after the switch.
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.locator("#proof-result").innerText()).toMatch(/已验证：第 57 条是从链上读取的锚 #2 的根下的叶子 16（共 40 个）/);
    expect(await page.locator("#entry-table").innerText()).toContain("验证证明");
    await page.click("#lang");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    const result = await page.locator("#proof-result").innerText();
    expect(result).toContain("Verified: seq 57 is leaf 16 of 40");
    expect(result).toContain("anchor #2");
    expect(await page.locator("#entry-table").innerText()).toContain("Verify proof");
    expect(await page.locator("#anchor-summary").innerText()).toBe("3 batches · anchored through seq 120");
    await page.click("#lang");
    expect(await page.locator("#anchor-summary").innerText()).toBe("3 批 · 已锚定至第 120 条");

    // The search by type and subject ref.
    await page.fill("#search-form input[name=seq]", "");
    await page.fill("#search-form input[name=type]", "code.issued");
    await page.fill("#search-form input[name=subjectRef]", "subject-0");
    await page.click("#search");
    await expect.poll(async () => (await page.locator("#entry-table tbody tr").allInnerTexts()).every((t) => t.includes("code.issued") && t.includes("subject-0"))).toBe(true);

    // An audit run in the browser is clean, and its findings export as a JSON download.
    await page.click("#run-audit");
    await page.waitForSelector("#audit-status .ok, #audit-status .bad");
    expect(await page.locator("#findings tbody").innerText()).toBe("");
    expect(await page.locator("#audit-status").innerText()).toMatch(/本浏览器 · .* · 130 条 · 3 批锚定 · 无发现/);
    await page.click("#lang");
    expect(await page.locator("#audit-status").innerText()).toMatch(/this browser · .* · 130 entries · 3 anchors · clean/);
    // The signatures, verified in the browser under the published key.
    expect(await page.locator("#audit-signatures").innerText()).toMatch(new RegExp(`^ledger signatures: \\d+ verified, entries covered through seq 130; keys ${kid}$`));
    await page.click("#lang");
    expect(await page.locator("#audit-signatures").innerText()).toMatch(new RegExp(`^账本签名：已验证 \\d+ 个，条目覆盖至第 130 条；公钥 ${kid}$`));
    // The repair decisions compared too (this ledger holds none).
    expect(await page.locator("#audit-decisions").innerText()).toBe("修复决定：0 件申请已与链上核对");
    await page.click("#lang");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-report")]);
    expect(download.suggestedFilename()).toMatch(/^onecode-audit-.*\.json$/);
    expect(await page.locator("#anchor-chart polyline").count()).toBe(1); // delays from the audit
    if (process.env.AUDIT_SCREENSHOT) {
      // AUDIT_SCREENSHOT=/tmp/console.png writes console-en.png and console-zh.png at phone size.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const lang of ["en", "zh"]) {
        await page.screenshot({ path: process.env.AUDIT_SCREENSHOT.replace(/(\.png)?$/, `-${lang}.png`), fullPage: true });
        await page.click("#lang");
      }
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists a published report's repair-decision findings by ledger seq, in Chinese and English", async () => {
    const auditor = { authorization: `Bearer ${await mintOperatorToken(operatorSecret, { sub: "auditor-2", role: "auditor" })}` };
    const application = "0b6c7d0e-3f7a-4f43-9a8e-2a1d5c4b7e10";
    const recordId = `0x${"ab".repeat(32)}`;
    const published = await app.inject({
      method: "POST",
      url: "/v1/audit/reports",
      headers: auditor,
      payload: {
        ok: false,
        entries: 130,
        findings: [],
        decisions: {
          applications: 1,
          findings: [{ kind: "decision_mismatch", application, applicationId: `0x${"cd".repeat(32)}`, recordId, ledgerSeq: 77, detail: "outcome approved in the database, refused on chain" }],
        },
      },
    });
    expect(published.statusCode, published.body).toBe(201);
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.waitForSelector("#audit-status .bad");
    const row = page.locator('#findings tbody tr:has([data-kind="decision_mismatch"])');
    expect(await row.innerText()).toMatch(new RegExp(`^77\\s+决定与链上不符 \\(decision_mismatch\\)\\s+申请 ${application} · 记录 0xabababab…ababab：outcome approved in the database, refused on chain$`));
    expect(await page.locator("#audit-status").innerText()).toContain("1");
    expect(await page.locator("#audit-decisions").innerText()).toBe("修复决定：1 件申请已与链上核对");
    await page.click("#lang");
    expect(await row.innerText()).toMatch(/^77\s+decision differs from the chain \(decision_mismatch\)\s+application .* · record 0xabababab…ababab: outcome approved/);
    expect(await page.locator("#audit-decisions").innerText()).toBe("repair decisions: 1 applications compared with the chain");
    await page.close();
  });

  it("refuses the proof and reports the finding once an entry is edited in the database", async () => {
    const c = new pg.Client({ connectionString: db.adminUrl });
    await c.connect();
    await c.query("SET session_replication_role = replica");
    await c.query(`UPDATE ledger SET payload = replace(payload, '行政处罚', '已修复') WHERE seq = 57`);
    await c.end();
    const page = await browser.newPage();
    await page.goto(`${pageUrl}&lang=en`);
    await page.waitForSelector("#anchor-table tbody tr");
    expect(await page.locator("h1").innerText()).toBe("Ledger audit console");
    await page.fill("#search-form input[name=seq]", "57");
    await page.click("#search");
    await page.click('button.verify[data-seq="57"]');
    await page.waitForSelector("#proof-result");
    expect(await page.locator("#proof-result").innerText()).toContain("NOT verified: seq 57 does not hash to the hash served for it");

    await page.click("#run-audit");
    await page.waitForSelector("#audit-status .bad");
    expect(await page.locator("#audit-status").innerText()).toMatch(/\d+ findings/);
    expect(await page.locator("#findings tbody").innerText()).toMatch(/57\s+edited\s+#2/);
    await page.close();
  });

  it("names an entry a database intruder appended and a signature changed in the database, in Chinese and English", async () => {
    const c = new pg.Client({ connectionString: db.adminUrl });
    await c.connect();
    await c.query("SET session_replication_role = replica");
    // After the head, correctly chained: only the API's key could have signed it.
    const head = (await c.query<{ seq: string; hash: Buffer }>("SELECT seq, hash FROM ledger_head")).rows[0]!;
    const forged = { seq: Number(head.seq) + 1, type: "record.published", payload: '{"recordId":"forged"}', subjectRef: null, actor: "credit_agency:ghost", createdAt: new Date().toISOString() };
    const hash = Buffer.from(entryHash(head.hash, forged));
    await c.query("INSERT INTO ledger (seq, type, payload, subject_ref, actor, created_at, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", [
      forged.seq, forged.type, forged.payload, forged.subjectRef, forged.actor, forged.createdAt, head.hash, hash,
    ]);
    await c.query("UPDATE ledger_head SET seq = $1, hash = $2", [forged.seq, hash]);
    // And the API's last signature, one character of it changed (the first: the last only carries padding bits).
    const signed = (await c.query<{ seq: string; signature: string }>("SELECT seq, signature FROM ledger WHERE signature IS NOT NULL ORDER BY seq DESC LIMIT 1")).rows[0]!;
    const [header, , sig] = signed.signature.split(".");
    const flipped = `${header}..${sig![0] === "A" ? "B" : "A"}${sig!.slice(1)}`;
    await c.query("UPDATE ledger SET signature = $1 WHERE seq = $2", [flipped, signed.seq]);
    await c.end();

    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.waitForSelector("#anchor-table tbody tr");
    await page.click("#run-audit");
    await page.waitForSelector("#audit-status .bad");
    const row = (kind: string) => page.locator(`#findings tbody tr:has([data-kind="${kind}"])`);
    expect(await row("bad_signature").innerText()).toMatch(new RegExp(`^${signed.seq}\\s+签名无效 \\(bad_signature\\)`));
    // No valid signature is left, so the first uncovered entry is seq 1, through the forged one.
    expect(await row("unsigned").innerText()).toMatch(new RegExp(`^1\\s+无签名覆盖 \\(unsigned\\).*1\\.\\.${forged.seq}`, "s"));
    expect(await page.locator("#audit-signatures").innerText()).toMatch(/^账本签名：已验证 \d+ 个，条目覆盖至第 0 条/);
    await page.click("#lang");
    expect(await row("bad_signature").innerText()).toMatch(new RegExp(`^${signed.seq}\\s+bad signature \\(bad_signature\\)`));
    expect(await row("unsigned").innerText()).toMatch(/^1\s+not covered by a signature \(unsigned\)/);
    expect(await page.locator("#audit-signatures").innerText()).toMatch(/^ledger signatures: \d+ verified, entries covered through seq 0/);
    await page.close();
  });
});
