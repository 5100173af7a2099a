// Bench 1: authenticated Postmark webhooks against GET /health in the same wrangler dev process,
// at concurrency 1 and 32, runs interleaved so drift on a noisy machine hits both alike.
import { type LoadStats, type LoopbackClient, median, runLoad } from "./http-load.ts";
import { makeEvents } from "./postmark-events.ts";
import type { Row, Target } from "./report.ts";
import { ms, perSecond } from "./report.ts";
import { type BenchTenant, webhookRequest } from "./tenant.ts";

export interface WebhookBenchOptions {
  runs: number;
  /** Requests per run at each concurrency. */
  requests: Record<number, number>;
}

export interface WebhookBenchResult {
  concurrency: number;
  health: LoadStats[];
  webhook: LoadStats[];
}

export async function benchWebhooks(client: LoopbackClient, tenant: BenchTenant, options: WebhookBenchOptions) {
  const results: WebhookBenchResult[] = [];
  let sent = 0;
  for (const [concurrencyText, count] of Object.entries(options.requests)) {
    const concurrency = Number(concurrencyText);
    const result: WebhookBenchResult = { concurrency, health: [], webhook: [] };
    for (let run = 0; run < options.runs; run++) {
      const events = makeEvents(count, `c${concurrency}r${run}`, 1000 * concurrency + run);
      result.health.push(await runLoad(client, count, concurrency, () => ({ method: "GET", path: "/health" })));
      result.webhook.push(await runLoad(client, count, concurrency, (i) => webhookRequest(tenant, events[i]!.body)));
      sent += count;
    }
    results.push(result);
  }
  return { results, sent };
}

export function webhookRows(results: WebhookBenchResult[]): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    const health = median(r.health.map((s) => s.requestsPerSecond));
    const webhook = median(r.webhook.map((s) => s.requestsPerSecond));
    rows.push({
      section: "webhook",
      measure: `c=${r.concurrency} throughput (median of ${r.webhook.length})`,
      value: perSecond(webhook),
      baseline: `${perSecond(health)} /health`,
      ratio: webhook / health,
    });
    rows.push({
      section: "webhook",
      measure: `c=${r.concurrency} latency p50 / p99`,
      value: `${ms(median(r.webhook.map((s) => s.p50Ms)))} / ${ms(median(r.webhook.map((s) => s.p99Ms)))}`,
      baseline: `${ms(median(r.health.map((s) => s.p50Ms)))} / ${ms(median(r.health.map((s) => s.p99Ms)))}`,
    });
    rows.push({
      section: "webhook",
      measure: `c=${r.concurrency} errors (webhook / health)`,
      value: String(r.webhook.reduce((n, s) => n + s.errors, 0)),
      baseline: String(r.health.reduce((n, s) => n + s.errors, 0)),
    });
  }
  return rows;
}

export function webhookTargets(results: WebhookBenchResult[], sent: number, stored: number): Target[] {
  const c32 = results.find((r) => r.concurrency === 32);
  const errors = results.reduce((n, r) => n + r.webhook.reduce((m, s) => m + s.errors, 0), 0);
  const targets: Target[] = [];
  if (c32) {
    const ratio =
      median(c32.webhook.map((s) => s.requestsPerSecond)) / median(c32.health.map((s) => s.requestsPerSecond));
    targets.push({ name: "webhook/health ratio at c=32 >= 0.8", pass: ratio >= 0.8, detail: ratio.toFixed(2) });
  }
  targets.push({ name: "webhook errors == 0", pass: errors === 0, detail: String(errors) });
  targets.push({ name: "stored events == sent", pass: stored === sent, detail: `${stored} stored of ${sent} sent` });
  return targets;
}
