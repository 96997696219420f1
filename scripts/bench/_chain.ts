// The benchmarks' and fault tests' chain: anvil on a free loopback port with the OneCode
// contracts deployed and a funded random signer, optionally behind a TCP relay that can
// cut every connection (the node "down" as the API sees it) without losing a block.
import { createServer, connect, type Server, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createChainClient, type ChainClient } from "../../api/src/chain/client.ts";
import type { ChainKeys } from "../../api/src/config.ts";
import { ensureArtifacts, writeDeployment, type OneCodeDeployment } from "../lib/deployment.ts";
import { deployOnAnvil, freePort, startAnvil, type Anvil } from "../lib/anvil.ts";

/**
 * A TCP relay in front of the node: cut() closes the listener and every open connection
 * (clients get "connection refused", exactly as when the node is down), restore() listens
 * again on the same port. Used so that the node is stopped only once nobody talks to it:
 * anvil can still mine a transaction after it wrote its state file on SIGINT, and a block
 * the API saw confirmed must not vanish (a real network's finalized blocks never do).
 */
export interface Relay {
  url: string;
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, "127.0.0.1");
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const cut = async () => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, port, cut, restore: listen, close: cut };
}

export interface BenchChain {
  anvil: Anvil;
  /** What the API and workers use: the relay when there is one, else the node itself. */
  rpcUrl: string;
  /** The node itself (auditors, tests). */
  directUrl: string;
  relay: Relay | null;
  /** Node down as the API sees it: cut the relay, then stop the node (state written with no one talking). */
  stopNode(): Promise<void>;
  /** Node back: start it on the same state, then open the relay. */
  startNode(): Promise<void>;
  deployment: OneCodeDeployment;
  deploymentFile: string;
  /** The API's role keys (one account per role, and the admin). */
  keys: ChainKeys;
  /** A fresh client (each process or worker gets its own, as an API instance would). */
  client(options?: { pollMs?: number; requestTimeoutMs?: number }): ChainClient;
  stop(): Promise<void>;
}

/** anvil on a free loopback port (state file, so stop/restart keeps the chain), contracts deployed, a funded random signer. */
export async function startBenchChain(
  options: {
    blockTime?: number;
    gasLimit?: number;
    relay?: boolean;
    /**
     * Keep the state in a file so a stop and start keep the chain (default true). anvil
     * writes its WHOLE state as JSON every second, which slows it down as the state grows
     * (a real node persists incrementally): throughput benchmarks that never restart the
     * node turn it off.
     */
    persist?: boolean;
    /** Historical states anvil keeps in memory (see AnvilOptions.historyStates). */
    historyStates?: number;
    /** Blocks mined on a timer (see AnvilOptions.mineEverySeconds). */
    mineEverySeconds?: number;
  } = {},
): Promise<BenchChain> {
  ensureArtifacts();
  const dir = mkdtempSync(join(tmpdir(), "onecode-bench-chain-"));
  const persist = options.persist ?? true;
  const anvil = await startAnvil({
    statePath: persist ? join(dir, "state.json") : undefined,
    stateIntervalSeconds: 1,
    blockTime: options.blockTime,
    gasLimit: options.gasLimit,
    historyStates: options.historyStates,
    mineEverySeconds: options.mineEverySeconds,
  });
  const { deployment, keys } = await deployOnAnvil(anvil.url);
  const deploymentFile = join(dir, "deployment.json");
  await writeDeployment(deploymentFile, deployment);
  const clients: ChainClient[] = [];
  const relay = options.relay ? await startRelay(anvil.port) : null;
  return {
    anvil,
    rpcUrl: relay?.url ?? anvil.url,
    directUrl: anvil.url,
    relay,
    async stopNode() {
      await relay?.cut();
      await sleep(1500); // anything already inside the node finishes and lands in a state dump
      await anvil.stop();
    },
    async startNode() {
      await anvil.restart();
      await relay?.restore();
    },
    deployment,
    deploymentFile,
    keys,
    client(o = {}) {
      const c = createChainClient({
        rpcUrl: anvil.url,
        deployment,
        keys,
        pollMs: o.pollMs ?? 50,
        requestTimeoutMs: o.requestTimeoutMs ?? 5000,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) await c.close();
      await relay?.close();
      await anvil.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
