// The Worker as `npm run bench` runs it for the queue consumer's drain rate: src/index.ts plus one route,
// POST /__bench/drain?n=N&mode=batched|single, that commits N fresh hard-bounce events of a tenant through
// the consumer's own code (consumeEvents, batches of 100 messages: one D1 transaction each) or one event a
// transaction (what the webhook path does in production, where concurrent requests rarely share an isolate),
// and answers the milliseconds it took. Not what wrangler.toml deploys, and it refuses the route unless
// BENCH_DRAIN=on, which only the bench passes on the command line.

import { eventStatements } from "../../../src/db/postmark-events";
import worker from "../../../src/index";
import { classifyEvent } from "../../../src/postmark/classify";
import { parseWebhookBody } from "../../../src/postmark/payload";
import { utcNow } from "../../../src/postmark/timestamps";
import { consumeEvents, type EventMessage } from "../../../src/queue/postmark-events";

type BenchEnv = Env & { BENCH_DRAIN?: string };

const BATCH = 100;

function eventMessage(tenantId: string, tag: string, i: number): EventMessage {
  const text = JSON.stringify({
    RecordType: "Bounce",
    ID: 9_000_000_000 + i,
    Type: "HardBounce",
    TypeCode: 1,
    MessageStream: "outbound",
    Email: `drain-${tag}-${i}@example.com`,
    BouncedAt: new Date().toISOString(),
    Inactive: true,
  });
  const parsed = parseWebhookBody(text);
  if (parsed.kind === "invalid") throw new Error("the bench event does not parse");
  const classified = classifyEvent(parsed.value);
  if (classified.action === "ignore") throw new Error("the bench event is ignored");
  return {
    tenantId,
    event: classified.event,
    receipt: { id: crypto.randomUUID(), receivedAt: utcNow(), payload: text },
  } as EventMessage;
}

/** A message batch as the Queue hands it to the consumer; acks and retries are only counted. */
function messageBatch(bodies: EventMessage[]): { batch: MessageBatch<unknown>; unacked: () => number } {
  let acked = 0;
  const messages = bodies.map((body, i) => ({
    id: `bench-${i}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack: () => {
      acked += 1;
    },
    retry: () => {},
  }));
  const batch = {
    queue: "postmark-events",
    messages,
    ackAll: () => {
      acked = messages.length;
    },
    retryAll: () => {},
  } as unknown as MessageBatch<unknown>;
  return { batch, unacked: () => messages.length - acked };
}

export default {
  async fetch(request, env: BenchEnv, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/__bench/drain") return worker.fetch(request, env, ctx);
    if (env.BENCH_DRAIN !== "on") return new Response("not enabled", { status: 404 });
    const n = Number(url.searchParams.get("n") ?? 0);
    const tenantId = url.searchParams.get("tenant") ?? "";
    const mode = url.searchParams.get("mode");
    const tag = `${mode}-${Date.now()}`;
    const bodies = Array.from({ length: n }, (_, i) => eventMessage(tenantId, tag, i));
    const started = Date.now();
    let unacked = 0;
    if (mode === "batched") {
      for (let i = 0; i < n; i += BATCH) {
        const { batch, unacked: left } = messageBatch(bodies.slice(i, i + BATCH));
        await consumeEvents(batch, env.DB, env.DEAD_LETTER_QUEUE);
        unacked += left();
      }
    } else {
      for (const body of bodies) await env.DB.batch(eventStatements(env.DB, body.tenantId, body.event, body.receipt));
    }
    return Response.json({ ms: Date.now() - started, committed: n - unacked });
  },
} satisfies ExportedHandler<BenchEnv>;
