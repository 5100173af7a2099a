// Bench 1b, for the queue (issue 15): how long after its 200 an event is visible, at a steady 500 events/s,
// and how fast the consumer commits against one event a transaction, both in the same run.
import { randomUUID } from "node:crypto";
import { type LoopbackClient, median, percentile } from "./http-load.ts";
import type { Row, Target } from "./report.ts";
import { ms } from "./report.ts";
import { apiRequest, type BenchTenant, webhookRequest } from "./tenant.ts";

export interface VisibilityFigures {
  sent: number;
  rate: number;
  /** ms from each event's 200 to the first look that found it suppressed */
  delays: number[];
  notVisible: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends `count` hard bounces (fresh addresses) at `rate` a second, open loop, and looks every 100 ms for the
 * ones not seen yet (POST /v1/suppressions/check, 1000 a call): the delay of each is its first sighting minus
 * its 200. Resolution: the 100 ms between looks plus a look's own time.
 */
export async function benchVisibility(
  client: LoopbackClient,
  tenant: BenchTenant,
  count = 2500,
  rate = 500,
): Promise<VisibilityFigures> {
  const tag = randomUUID().slice(0, 8);
  const answeredAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  let sendingDone = false;
  // Looking starts before sending, so an early event is not seen late for want of a look.
  const looking = (async () => {
    const deadline = Date.now() + (count / rate) * 1000 + 30_000;
    while (Date.now() < deadline) {
      const waiting = [...answeredAt.keys()].filter((email) => !seenAt.has(email));
      if (sendingDone && waiting.length === 0) return;
      for (let i = 0; i < waiting.length; i += 1000) {
        const res = await client.send(
          apiRequest(tenant, "POST", "/v1/suppressions/check", { emails: waiting.slice(i, i + 1000) }),
        );
        const now = Date.now();
        if (res.status !== 200) continue;
        const { suppressed } = JSON.parse(res.body) as { suppressed: { email: string }[] };
        for (const s of suppressed) if (!seenAt.has(s.email)) seenAt.set(s.email, now);
      }
      await sleep(100);
    }
  })();
  const sends: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const email = `visible-${tag}-${i}@example.com`;
    const body = JSON.stringify({
      RecordType: "Bounce",
      ID: 8_000_000_000 + i,
      Type: "HardBounce",
      TypeCode: 1,
      MessageStream: "outbound",
      Email: email,
      BouncedAt: new Date().toISOString(),
      Inactive: true,
    });
    sends.push(
      client.send(webhookRequest(tenant, body)).then((res) => {
        if (res.status === 200) answeredAt.set(email, Date.now());
      }),
    );
  }
  await Promise.all(sends);
  sendingDone = true;
  await looking;
  const delays = [...answeredAt].flatMap(([email, at]) => (seenAt.has(email) ? [seenAt.get(email)! - at] : []));
  return { sent: count, rate, delays: delays.sort((a, b) => a - b), notVisible: answeredAt.size - delays.length };
}

export interface DrainFigures {
  events: number;
  batchedPerSecond: number[];
  singlePerSecond: number[];
}

/** The consumer's commit rate (batches of 100, its own code) against one event a transaction, interleaved. */
export async function benchDrain(client: LoopbackClient, tenantId: string, events = 2000, runs = 3) {
  const figures: DrainFigures = { events, batchedPerSecond: [], singlePerSecond: [] };
  for (let run = 0; run < runs; run++) {
    for (const mode of ["batched", "single"] as const) {
      const res = await client.send(
        { method: "POST", path: `/__bench/drain?n=${events}&mode=${mode}&tenant=${encodeURIComponent(tenantId)}` },
        120_000,
      );
      if (res.status !== 200) throw new Error(`drain bench answered ${res.status}: ${res.body}`);
      const { ms: took, committed } = JSON.parse(res.body) as { ms: number; committed: number };
      if (committed !== events) throw new Error(`drain bench committed ${committed} of ${events}`);
      (mode === "batched" ? figures.batchedPerSecond : figures.singlePerSecond).push((events * 1000) / took);
    }
  }
  return figures;
}

export function visibilityRows(v: VisibilityFigures, d: DrainFigures | null): Row[] {
  const rows: Row[] = [
    {
      section: "webhook",
      measure: `200 to visible at ${v.rate} events/s (${v.sent} hard bounces) p50 / p99`,
      value: `${ms(percentile(v.delays, 0.5))} / ${ms(percentile(v.delays, 0.99))}`,
      baseline: `${v.notVisible} not visible within 30 s`,
    },
  ];
  if (d) {
    const batched = median(d.batchedPerSecond);
    const single = median(d.singlePerSecond);
    rows.push({
      section: "webhook",
      measure: `consumer drain, ${d.events} events (median of ${d.batchedPerSecond.length})`,
      value: `${Math.round(batched)} events/s`,
      baseline: `${Math.round(single)} events/s one a transaction`,
      ratio: batched / single,
    });
  }
  return rows;
}

export function visibilityTargets(v: VisibilityFigures, d: DrainFigures | null): Target[] {
  const targets: Target[] = [
    {
      name: "200 to visible p99 <= 3 s at 500 events/s",
      pass: v.notVisible === 0 && percentile(v.delays, 0.99) <= 3000,
      detail: `${ms(percentile(v.delays, 0.99))}, ${v.notVisible} not visible`,
    },
  ];
  if (d) {
    const ratio = median(d.batchedPerSecond) / median(d.singlePerSecond);
    targets.push({
      name: "consumer drain >= 5x one event a transaction",
      pass: ratio >= 5,
      detail: `${ratio.toFixed(1)}x`,
    });
  }
  return targets;
}
