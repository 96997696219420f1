// A small, bounded HTTP client for loopback load (node:http with keep-alive; every
// request has a hard timeout so a hang is counted, never waited on), a latency
// histogram with bounded memory, and the API as a process of its own.
import http from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../lib/anvil.ts";
import { ROOT, sleep, spawnNode, type Child } from "./_stack.ts";

export interface HttpResult {
  status: number;
  /** Parsed JSON when the body is JSON, else the text; null on a network error. */
  body: unknown;
  contentType: string;
  ms: number;
  /** Network error or timeout (status 0). */
  error?: string;
}

export class HttpClient {
  private readonly agent: http.Agent;
  readonly base: URL;
  constructor(baseUrl: string, maxSockets = 64) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpResult> {
    const started = performance.now();
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: Omit<HttpResult, "ms">) => {
        if (settled) return;
        settled = true;
        resolve({ ...r, ms: performance.now() - started });
      };
      const req = http.request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: {
            ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const contentType = String(res.headers["content-type"] ?? "");
            let body: unknown = text;
            if (/json/.test(contentType)) {
              try {
                body = JSON.parse(text);
              } catch {
                // leave the text
              }
            }
            finish({ status: res.statusCode ?? 0, body, contentType });
          });
          res.on("error", (e) => finish({ status: 0, body: null, contentType: "", error: e.message }));
        },
      );
      req.setTimeout(options.timeoutMs ?? 10_000, () => {
        req.destroy(new Error("timeout"));
      });
      req.on("error", (e) => finish({ status: 0, body: null, contentType: "", error: e.message }));
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Latencies in 0.05 ms steps up to 30 s (bounded memory whatever the run length). */
export class Histogram {
  private readonly step = 0.05;
  private readonly buckets = new Uint32Array(600_000);
  count = 0;
  max = 0;
  private sum = 0;
  record(ms: number): void {
    const i = Math.min(this.buckets.length - 1, Math.floor(ms / this.step));
    this.buckets[i]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return (i + 1) * this.step;
    }
    return this.max;
  }
  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : 0;
}

export interface ApiProcess {
  child: Child;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the API (api/src/server.ts: HTTP, chain client, workers) as a process of its own and waits for /healthz. */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ApiProcess> {
  const port = env.PORT && env.PORT !== "0" ? Number(env.PORT) : await freePort();
  const child = spawnNode(join(ROOT, "api", "src", "server.ts"), { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const client = new HttpClient(url, 2);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const r = await client.request("GET", "/healthz", { timeoutMs: 2000 });
      if (r.status === 200) break;
      if (child.proc.exitCode !== null) throw new Error(`the API exited during start:\n${child.output().slice(-4000)}`);
      if (Date.now() > until) throw new Error(`the API did not answer /healthz within ${timeoutMs} ms:\n${child.output().slice(-4000)}`);
      await sleep(200);
    }
  } finally {
    client.close();
  }
  return { child, url, port, stop: () => child.stop(15_000) };
}
