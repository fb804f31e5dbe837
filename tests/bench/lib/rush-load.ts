/**
 * Fires a rush of requests spread evenly over a time window, each on its own keep-alive connection
 * opened beforehand (as every member's phone has its own), and notes when each was sent and answered on
 * the monotonic clock that the load-client processes share (process.hrtime), so an answer can be
 * compared with when a screen received an event.
 */
import http from 'node:http';
import { send, type LoadRequest } from './http-load.js';

export interface RushAnswer {
  /** Which of the requests this answers. */
  index: number;
  status: number;
  /** `data.code` of an error envelope. */
  code?: string;
  /** `data.position` of a waitlist entry. */
  position?: number;
  sentAt: number;
  answeredAt: number;
}

export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export async function fireRush(options: {
  url: string;
  requests: LoadRequest[];
  spreadMs: number;
  /** Opened (and kept alive) before the clock runs. */
  connections: number;
  warmPath: string;
  onProgress?: (sent: number, answered: number) => void;
}): Promise<{ answers: RushAnswer[]; errors: Record<string, number> }> {
  const base = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections, keepAliveMsecs: 30_000 });
  try {
    // Every connection open and idle in the agent before the first booking goes out.
    await Promise.all(Array.from({ length: options.connections }, () => send(agent, base, { method: 'GET', path: options.warmPath })));
    const answers: RushAnswer[] = [];
    const errors: Record<string, number> = {};
    const n = options.requests.length;
    let sent = 0;
    const pending: Array<Promise<void>> = [];
    const start = monotonicMs();
    const ticker = options.onProgress ? setInterval(() => options.onProgress!(sent, answers.length), 250) : null;
    while (sent < n) {
      // Send every request whose moment has come, then yield for a millisecond.
      const due = Math.min(n, Math.floor(((monotonicMs() - start) / options.spreadMs) * n) + 1);
      while (sent < due) {
        const index = sent++;
        const r = options.requests[index]!;
        const sentAt = monotonicMs();
        pending.push(
          send(agent, base, r).then(
            ({ status, body }) => {
              const answeredAt = monotonicMs();
              let data: { code?: string; position?: number } | undefined;
              try {
                data = (JSON.parse(body) as { data?: { code?: string; position?: number } }).data;
              } catch { /* not JSON: the status says enough */ }
              answers.push({ index, status, code: data?.code, position: data?.position, sentAt, answeredAt });
            },
            (err: NodeJS.ErrnoException) => {
              const key = err.code ?? err.message;
              errors[key] = (errors[key] ?? 0) + 1;
            },
          ),
        );
      }
      if (sent < n) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    if (ticker) clearInterval(ticker);
    return { answers, errors };
  } finally {
    agent.destroy();
  }
}
