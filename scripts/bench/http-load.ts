// A small closed-loop HTTP load generator over keep-alive connections, loopback only.
import http from "node:http";

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResponse {
  status: number;
  body: string;
  ms: number;
}

export interface LoadStats {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, and requests that failed outright. */
  errors: number;
  statuses: Record<string, number>;
}

/** A client for one base URL; refuses anything but loopback, since these scripts must never load another host. */
export function loopbackClient(base: string, maxSockets = 128) {
  const url = new URL(base);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
    throw new Error(`refusing to load ${url.hostname}: loopback only`);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const send = (req: LoadRequest, timeoutMs = 30_000): Promise<LoadResponse> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const outgoing = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          headers: { ...req.headers, ...(body ? { "Content-Length": String(body.length) } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  return { base, send, close: () => agent.destroy() };
}
export type LoopbackClient = ReturnType<typeof loopbackClient>;

/** Sends `count` requests with `concurrency` in flight; `onAnswer` sees each answer (for checks). */
export async function runLoad(
  client: LoopbackClient,
  count: number,
  concurrency: number,
  requestFor: (i: number) => LoadRequest,
  onAnswer?: (i: number, res: LoadResponse | Error) => void,
): Promise<LoadStats> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const res = await client.send(requestFor(i));
        latencies.push(res.ms);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 200 || res.status > 299) errors += 1;
        onAnswer?.(i, res);
      } catch (err) {
        errors += 1;
        statuses.failed = (statuses.failed ?? 0) + 1;
        onAnswer?.(i, err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    seconds,
    requestsPerSecond: count / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
    statuses,
  };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
