// What an auditor reads from the chain, over plain JSON-RPC (fetch): the BatchAnchored
// events and the CreditLedger's head, the CodeRegistry's events and codeOf, and the role
// changes of both contracts. No API, no database, no signer; the same module runs in
// the command line and in the auditors' console (the browser talks to the chain's RPC
// URL itself, so the console never takes a root from the API it is checking).
// Everything is read at one pinned block, so the logs and the views agree.
import { Interface, getAddress } from "ethers";
import { ROLE_NAMES } from "../chain/roles.ts";
import type { ChainAnchor, ChainCodeEvent, ChainCodeState, ChainView, CodeAction } from "./report.ts";

export type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

/** A JSON-RPC client over fetch (Node 18+ and browsers). */
export function httpRpc(url: string, options: { timeoutMs?: number } = {}): Rpc {
  let nextId = 1;
  return async (method, params) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`${method}: HTTP ${response.status} from ${url}`);
      const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
      return body.result;
    } finally {
      clearTimeout(timer);
    }
  };
}

export const LEDGER_ABI = [
  "event BatchAnchored(uint256 indexed index, uint64 fromSeq, uint64 toSeq, bytes32 root, bytes32 head)",
  "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
  "event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)",
  "function head() view returns (bytes32)",
  "function nextSeq() view returns (uint64)",
  "function anchorCount() view returns (uint64)",
];

export const REGISTRY_ABI = [
  "event CodeIssued(bytes32 indexed subject, bytes16 indexed codeId, uint8 kind, bytes32 attestation, address indexed issuer)",
  "event CodeRevoked(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor)",
  "event CodeSuspended(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor)",
  "event CodeReinstated(bytes32 indexed subject, bytes16 indexed codeId, address indexed actor)",
  "event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender)",
  "event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender)",
  "function codeOf(bytes32 subject) view returns (bytes16 codeId, uint8 kind, uint8 status, uint40 issuedAt, uint40 changedAt)",
];

const ledgerIface = new Interface(LEDGER_ABI);
const registryIface = new Interface(REGISTRY_ABI);

export interface ChainAddresses {
  creditLedger: string;
  codeRegistry?: string;
  /** First block to scan (the deployment block). */
  fromBlock?: number;
}

interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  transactionHash: string;
  logIndex: string;
}

const quantity = (n: number) => `0x${n.toString(16)}`;

/**
 * eth_getLogs in block ranges (nodes cap the range or the result size). The range adapts to
 * about 10,000 logs per answer: a 1-s block can hold 3,200 code issues, and one answer for a
 * million logs is too big for a node and for a spread into push (call stack limit).
 */
export async function getLogs(rpc: Rpc, address: string, topics: (string | string[] | null)[], fromBlock: number, toBlock: number, step = 5000): Promise<RawLog[]> {
  const out: RawLog[] = [];
  let range = Math.min(step, 16);
  for (let from = fromBlock; from <= toBlock; ) {
    const to = Math.min(toBlock, from + range - 1);
    const logs = (await rpc("eth_getLogs", [{ address, topics, fromBlock: quantity(from), toBlock: quantity(to) }])) as RawLog[];
    for (const log of logs) out.push(log);
    from = to + 1;
    // At most double: empty blocks (the deployment's) say nothing about the ones after them.
    range = Math.max(1, Math.min(step, range * 2, Math.floor((range * 10_000) / Math.max(logs.length, 1))));
  }
  return out;
}

async function call(rpc: Rpc, iface: Interface, address: string, fn: string, args: unknown[], block: number) {
  const data = iface.encodeFunctionData(fn, args);
  const result = (await rpc("eth_call", [{ to: address, data }, quantity(block)])) as string;
  return iface.decodeFunctionResult(fn, result);
}

export async function blockNumber(rpc: Rpc): Promise<number> {
  return Number(await rpc("eth_blockNumber", []));
}

/** Unix timestamps of blocks, a few requests at a time. */
export async function blockTimes(rpc: Rpc, blocks: number[]): Promise<Map<number, number>> {
  const unique = [...new Set(blocks)];
  const out = new Map<number, number>();
  for (let i = 0; i < unique.length; i += 16) {
    await Promise.all(
      unique.slice(i, i + 16).map(async (b) => {
        const block = (await rpc("eth_getBlockByNumber", [quantity(b), false])) as { timestamp: string } | null;
        if (block) out.set(b, Number(block.timestamp));
      }),
    );
  }
  return out;
}

export async function readAnchors(rpc: Rpc, ledger: string, fromBlock: number, toBlock: number, withTimes = true): Promise<ChainAnchor[]> {
  const topic = ledgerIface.getEvent("BatchAnchored")!.topicHash;
  const logs = await getLogs(rpc, ledger, [topic], fromBlock, toBlock);
  const anchors = logs.map((log) => {
    const ev = ledgerIface.parseLog(log)!;
    return {
      index: Number(ev.args.index),
      fromSeq: Number(ev.args.fromSeq),
      toSeq: Number(ev.args.toSeq),
      root: String(ev.args.root),
      head: String(ev.args.head),
      txHash: log.transactionHash,
      blockNumber: Number(log.blockNumber),
    } satisfies ChainAnchor;
  });
  if (withTimes) {
    const times = await blockTimes(rpc, anchors.map((a) => a.blockNumber));
    for (const a of anchors) (a as ChainAnchor).timestamp = times.get(a.blockNumber);
  }
  return anchors;
}

export async function readCodeEvents(rpc: Rpc, registry: string, fromBlock: number, toBlock: number): Promise<ChainCodeEvent[]> {
  const names: Record<string, CodeAction> = { CodeIssued: "issued", CodeRevoked: "revoked", CodeSuspended: "suspended", CodeReinstated: "reinstated" };
  const topics = Object.keys(names).map((n) => registryIface.getEvent(n)!.topicHash);
  const logs = await getLogs(rpc, registry, [topics], fromBlock, toBlock);
  logs.sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex));
  return logs.map((log) => {
    const ev = registryIface.parseLog(log)!;
    const out: ChainCodeEvent = {
      action: names[ev.name]!,
      subject: String(ev.args.subject),
      codeId: String(ev.args.codeId),
      txHash: log.transactionHash,
      blockNumber: Number(log.blockNumber),
    };
    if (ev.name === "CodeIssued") {
      out.kind = Number(ev.args.kind);
      out.attestation = String(ev.args.attestation);
    }
    return out;
  });
}

export async function readCodeStates(rpc: Rpc, registry: string, subjects: string[], block: number): Promise<ChainCodeState[]> {
  const out: ChainCodeState[] = [];
  for (let i = 0; i < subjects.length; i += 16) {
    await Promise.all(
      subjects.slice(i, i + 16).map(async (subject) => {
        const r = await call(rpc, registryIface, registry, "codeOf", [subject.startsWith("0x") ? subject : `0x${subject}`], block);
        out.push({ subject, codeId: String(r[0]), kind: Number(r[1]), status: Number(r[2]) });
      }),
    );
  }
  return out;
}

export interface ReadChainOptions {
  /** Also read the code registry (events and codeOf of every subject in the events). */
  codes?: boolean;
  /** Block times of the anchors (for the anchoring delays). Default true. */
  times?: boolean;
  /** Pinned block (default: latest). */
  block?: number;
  /** codeOf is called for at most this many subjects (the events carry the same facts). Default 10,000. */
  maxCodeOf?: number;
}

/** Everything the audit needs from the chain, read at one block. */
export async function readChainView(rpc: Rpc, addresses: ChainAddresses, options: ReadChainOptions = {}): Promise<ChainView & { block: number }> {
  const block = options.block ?? (await blockNumber(rpc));
  const fromBlock = addresses.fromBlock ?? 0;
  const ledger = getAddress(addresses.creditLedger);
  const [anchors, head, nextSeq, anchorCount] = await Promise.all([
    readAnchors(rpc, ledger, fromBlock, block, options.times ?? true),
    call(rpc, ledgerIface, ledger, "head", [], block),
    call(rpc, ledgerIface, ledger, "nextSeq", [], block),
    call(rpc, ledgerIface, ledger, "anchorCount", [], block),
  ]);
  const view: ChainView & { block: number } = { block, anchors, head: String(head[0]), nextSeq: Number(nextSeq[0]), anchorCount: Number(anchorCount[0]) };
  if (options.codes && addresses.codeRegistry) {
    const registry = getAddress(addresses.codeRegistry);
    view.codeEvents = await readCodeEvents(rpc, registry, fromBlock, block);
    const subjects = [...new Set(view.codeEvents.map((e) => e.subject.toLowerCase()))].slice(0, options.maxCodeOf ?? 10_000);
    view.codeStates = await readCodeStates(rpc, registry, subjects, block);
  }
  return view;
}

/**
 * Adds codeOf for `subjects` not read yet (e.g. the subjects of the codes table's rows,
 * which a tampered row may name although no event does), at the view's pinned block.
 */
export async function addCodeStates(rpc: Rpc, view: ChainView & { block: number }, registry: string, subjects: Iterable<string>, max = 100_000): Promise<void> {
  if (!view.codeStates) return;
  const known = new Set(view.codeStates.map((s) => s.subject.toLowerCase().replace(/^0x/, "")));
  const missing: string[] = [];
  for (const subject of subjects) {
    const key = subject.toLowerCase().replace(/^0x/, "");
    if (known.has(key) || !/^[0-9a-f]{64}$/.test(key)) continue;
    known.add(key);
    missing.push(`0x${key}`);
    if (missing.length >= max) break;
  }
  view.codeStates.push(...(await readCodeStates(rpc, getAddress(registry), missing, view.block)));
}

export interface RoleChange {
  contract: "CodeRegistry" | "CreditLedger";
  granted: boolean;
  role: string;
  roleName: string;
  account: string;
  /** Who granted or revoked it. */
  sender: string;
  blockNumber: number;
  timestamp?: number;
  txHash: string;
}

/** RoleGranted / RoleRevoked of both contracts, oldest first. */
export async function readRoleChanges(rpc: Rpc, addresses: ChainAddresses, toBlock?: number): Promise<RoleChange[]> {
  const block = toBlock ?? (await blockNumber(rpc));
  const topics = [ledgerIface.getEvent("RoleGranted")!.topicHash, ledgerIface.getEvent("RoleRevoked")!.topicHash];
  const out: RoleChange[] = [];
  const targets: [RoleChange["contract"], string | undefined][] = [
    ["CodeRegistry", addresses.codeRegistry],
    ["CreditLedger", addresses.creditLedger],
  ];
  for (const [contract, address] of targets) {
    if (!address) continue;
    for (const log of await getLogs(rpc, getAddress(address), [topics], addresses.fromBlock ?? 0, block)) {
      const ev = ledgerIface.parseLog(log)!;
      const role = String(ev.args.role);
      out.push({
        contract,
        granted: ev.name === "RoleGranted",
        role,
        roleName: ROLE_NAMES[role] ?? role,
        account: String(ev.args.account),
        sender: String(ev.args.sender),
        blockNumber: Number(log.blockNumber),
        txHash: log.transactionHash,
      });
    }
  }
  out.sort((a, b) => a.blockNumber - b.blockNumber);
  const times = await blockTimes(rpc, out.map((r) => r.blockNumber));
  for (const r of out) r.timestamp = times.get(r.blockNumber);
  return out;
}
