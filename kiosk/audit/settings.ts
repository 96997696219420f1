// Where the console reads from: the API (entries, proofs, the published report), the
// auditor's token, and the chain (RPC URL, contract addresses, first block). The address
// bar, then the last settings (without the token), then the API's suggestion fill the
// form; the auditor's own values always win.
export interface Settings {
  api: string;
  token: string;
  rpc: string;
  ledger: string;
  registry: string;
  fromBlock: number;
}

const FIELDS = ["api", "token", "rpc", "ledger", "registry", "fromBlock"] as const;
const SAVED = "onecode-audit-settings";

export const settingsForm = () => document.querySelector<HTMLFormElement>("#settings-form")!;

export function settings(): Settings {
  const f = new FormData(settingsForm());
  const s = (k: string) => String(f.get(k) ?? "").trim();
  return { api: s("api") || location.origin, token: s("token"), rpc: s("rpc"), ledger: s("ledger"), registry: s("registry"), fromBlock: Number(s("fromBlock") || 0) };
}

/** Fills a field the auditor has left empty. */
export function suggest(name: (typeof FIELDS)[number], value: string | number | null | undefined): void {
  const input = settingsForm().elements.namedItem(name) as HTMLInputElement | null;
  if (input && value !== null && value !== undefined && input.value === "") input.value = String(value);
}

export function fillFromAddressAndSaved(): void {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(localStorage.getItem(SAVED) ?? "{}") as Partial<Settings>;
  for (const key of FIELDS) suggest(key, params.get(key) ?? saved[key]);
}

export function saveSettings(): void {
  localStorage.setItem(SAVED, JSON.stringify({ ...settings(), token: undefined }));
}

/** GET `path` from the API as the auditor; a refusal becomes an Error naming the path and the status. */
export async function apiGet<T>(path: string): Promise<T> {
  const s = settings();
  const response = await fetch(new URL(path, s.api), { headers: { authorization: `Bearer ${s.token}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { detail?: string };
    throw new Error(`${path}: HTTP ${response.status} ${body.detail ?? ""}`);
  }
  return (await response.json()) as T;
}

/** The body of an NDJSON export as a stream of chunks. */
export async function apiStream(path: string, what: string): Promise<AsyncIterable<Uint8Array>> {
  const s = settings();
  const response = await fetch(new URL(path, s.api), { headers: { authorization: `Bearer ${s.token}` } });
  if (!response.ok || !response.body) throw new Error(`${what}: HTTP ${response.status}`);
  return response.body as unknown as AsyncIterable<Uint8Array>;
}
