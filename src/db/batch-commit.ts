// Commits the writes of concurrent requests together: one D1 batch (one round trip, one transaction)
// for many requests, each request still answered only after its own statements are committed.
// Why: every D1 call is a round trip through the runtime's plumbing; at 32 concurrent webhooks,
// one call per request caps throughput at about a third of a route with no D1 call.

import { withDeadline } from "../deadline";
import { onePer } from "../per-isolate";

interface PendingGroup {
  statements: D1PreparedStatement[];
  /** Gets the D1 results of its own statements, in order. */
  resolve: (results: D1Result[]) => void;
  reject: (error: unknown) => void;
}

export interface BatchCommitOptions {
  /** Most statements in one D1 batch. */
  maxStatements?: number;
  /** How long a request waits for its commit before giving up (its caller then answers 5xx). */
  timeoutMs?: number;
  /**
   * How long a flush waits for more requests before its first batch. Measured under 32 concurrent
   * webhooks (BENCHMARKS.md): 1 ms gives larger batches and more events/s. Default 0: no delay.
   */
  gatherMs?: number;
}

export class CommitTimeoutError extends Error {
  constructor(ms: number) {
    super(`the commit did not finish within ${ms} ms`);
  }
}

export class BatchCommitter {
  private readonly queue: PendingGroup[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxStatements: number;
  private readonly timeoutMs: number;
  private readonly gatherMs: number;

  constructor(
    private readonly db: D1Database,
    options: BatchCommitOptions = {},
  ) {
    this.maxStatements = options.maxStatements ?? 200;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.gatherMs = options.gatherMs ?? 0;
  }

  /**
   * Resolves with the results of `statements` once they are committed (all of them, atomically), rejects
   * when they are not. `waitUntil` keeps a flush started by this request running after the request has its answer.
   */
  commit(statements: D1PreparedStatement[], waitUntil: (promise: Promise<unknown>) => void): Promise<D1Result[]> {
    const committed = new Promise<D1Result[]>((resolve, reject) => this.queue.push({ statements, resolve, reject }));
    if (!this.flushing) {
      this.flushing = this.flush();
      waitUntil(this.flushing);
    }
    // A request awaiting only a promise that another request settles is cancelled by the runtime
    // as hung; this request's own timer keeps it alive (and bounds the wait).
    return withDeadline(committed, this.timeoutMs, () => new CommitTimeoutError(this.timeoutMs));
  }

  private async flush(): Promise<void> {
    try {
      if (this.gatherMs > 0) await new Promise((resolve) => setTimeout(resolve, this.gatherMs));
      while (this.queue.length > 0) {
        const groups = this.takeGroups();
        try {
          const results = await this.batchWithDeadline(groups.flatMap((g) => g.statements));
          let offset = 0;
          for (const g of groups) {
            g.resolve(results.slice(offset, offset + g.statements.length));
            offset += g.statements.length;
          }
        } catch (error) {
          if (groups.length === 1 || error instanceof CommitTimeoutError) {
            for (const g of groups) g.reject(error);
            continue;
          }
          // One bad group must not fail its neighbours: the batch rolled back as a whole, so retry each alone.
          for (const g of groups) {
            try {
              g.resolve(await this.batchWithDeadline(g.statements));
            } catch (groupError) {
              g.reject(groupError);
            }
          }
        }
      }
    } finally {
      // Cleared in the same step as the loop's last look at the queue, not in a `.finally` some microtasks
      // later: a commit queued in between would find a flush that has stopped looking, and wait for nothing.
      this.flushing = null;
    }
  }

  /** A stalled D1 call must not hold the queue forever; the rows it may still write later are harmless,
   * since callers write idempotently and retry after a 5xx. */
  private batchWithDeadline(statements: D1PreparedStatement[]): Promise<D1Result[]> {
    return withDeadline(this.db.batch(statements), this.timeoutMs, () => new CommitTimeoutError(this.timeoutMs));
  }

  private takeGroups(): PendingGroup[] {
    const groups: PendingGroup[] = [];
    let count = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (groups.length > 0 && count + next.statements.length > this.maxStatements) break;
      groups.push(this.queue.shift()!);
      count += next.statements.length;
    }
    return groups;
  }
}

/** The committer shared by all requests of this isolate that write to `db`. */
export const batchCommitterFor = onePer((db: D1Database) => new BatchCommitter(db, { gatherMs: 1 }));
