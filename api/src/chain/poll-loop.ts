// The schedule shared by the chain workers (outbox, anchoring): run a round every
// interval; after a failed round wait longer (exponential backoff up to a cap, or
// what the worker decides), and go back to the interval after the next success.
// stop() waits for a round in flight, so a worker never dies half way through one.

export interface PollLoop {
  start(): void;
  stop(): Promise<void>;
  readonly stopped: boolean;
  /** One round now, with the loop's error handling (drain() uses it while stopped). */
  tick(): Promise<void>;
  /**
   * Resolves once `open()` answers null (nothing left), running rounds itself while the loop
   * is stopped (tests, shutdown); after timeoutMs it throws what `open()` last said was left.
   */
  drain(open: () => Promise<string | null>, timeoutMs: number): Promise<void>;
}

export interface PollLoopOptions {
  intervalMs: number;
  round(): Promise<unknown>;
  /** Called after a failed round with the next wait already doubled; returns the wait to use. */
  onError(error: unknown, nextBackoffMs: number): number;
  maxBackoffMs?: number;
}

export function createPollLoop(options: PollLoopOptions): PollLoop {
  // A short cap: after a chain outage the backlog starts draining within seconds.
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  let backoffMs = 0;

  async function tick(): Promise<void> {
    try {
      await options.round();
      backoffMs = 0;
    } catch (error) {
      const doubled = Math.min(backoffMs === 0 ? options.intervalMs * 2 : backoffMs * 2, maxBackoffMs);
      backoffMs = options.onError(error, doubled);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      running = tick().finally(() => {
        running = null;
        schedule();
      });
    }, backoffMs || options.intervalMs);
  }

  async function drain(open: () => Promise<string | null>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const left = await open();
      if (left === null) return;
      if (Date.now() > until) throw new Error(left);
      if (stopped) await tick();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return {
    get stopped() {
      return stopped;
    },
    tick,
    drain,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

/** What a chain worker offers: one round, the loop's start and stop, and drain until `open()` answers null. */
export interface PollingWorker<R> {
  runOnce(): Promise<R>;
  start(): void;
  stop(): Promise<void>;
  drain(timeoutMs?: number): Promise<void>;
}

export function pollingWorker<R>(loop: PollLoop, runOnce: () => Promise<R>, open: () => Promise<string | null>): PollingWorker<R> {
  return { runOnce, start: loop.start, stop: loop.stop, drain: (timeoutMs = 60_000) => loop.drain(open, timeoutMs) };
}
