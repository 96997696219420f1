// The auditors' console. The chain is read from the browser over JSON-RPC (eth_getLogs,
// eth_call) at the RPC URL the auditor sets: no root, head or role ever comes from the
// API under audit (./chain.ts). The API only serves entries and proofs, which are checked
// here against the chain (./entries.ts), and the ledger export that the audit core of
// protocol/audit/ checks in this browser (./report.ts). The node must allow CORS (anvil
// does by default; Besu: --rpc-http-cors-origins).
import { startLang, switchLang } from "../i18n/index.ts";
import { loadChain, renderChain } from "./chain.ts";
import { renderEntries, renderProof, search, verifyProof } from "./entries.ts";
import { exportReport, loadLatest, renderReport, runAudit } from "./report.ts";
import { apiGet, fillFromAddressAndSaved, saveSettings, settings, settingsForm, suggest } from "./settings.ts";
import { $ } from "./view.ts";

settingsForm().addEventListener("submit", (e) => {
  e.preventDefault();
  saveSettings();
  void loadChain();
});
$("#search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  void search();
});
$("#entry-table").addEventListener("click", (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button.verify");
  if (button) void verifyProof(Number(button.dataset.seq));
});
$("#load-latest").addEventListener("click", () => void loadLatest());
$("#run-audit").addEventListener("click", () => void runAudit());
$("#export-report").addEventListener("click", exportReport);
$("#lang").addEventListener("click", () => {
  switchLang();
  renderChain();
  renderReport();
  renderEntries();
  renderProof();
});

async function init(): Promise<void> {
  startLang({ remember: "onecode-audit-lang" });
  fillFromAddressAndSaved();
  if (settings().token) {
    // The API's suggestion fills only what the auditor has not set.
    try {
      const config = await apiGet<{ rpcUrl: string | null; codeRegistry: string | null; creditLedger: string | null; fromBlock: number }>("/v1/audit/config");
      suggest("rpc", config.rpcUrl);
      suggest("ledger", config.creditLedger);
      suggest("registry", config.codeRegistry);
      suggest("fromBlock", config.fromBlock);
    } catch {
      /* the auditor fills them in */
    }
    if (settings().rpc && settings().ledger) await loadChain();
    await loadLatest();
  }
  document.body.dataset.ready = "true";
}
void init();
