// The Postmark webhook receiver: Postmark posts each event to the tenant's callback URL (HTTP Basic, checked
// by requirePostmarkWebhook before this runs).
import { Hono } from "hono";
import { batchCommitterFor } from "../db/batch-commit";
import { eventStatements, type Receipt, storeOutcome } from "../db/postmark-events";
import type { AppEnv } from "../http/app-env";
import { logError } from "../http/errors";
import { register } from "../http/route";
import { invalidJson, requireJsonContentType } from "../http/validation";
import { orUnavailable } from "../http/webhook-auth";
import { classifyEvent } from "../postmark/classify";
import { auditCopy, parseWebhookBody } from "../postmark/payload";
import { utcNow } from "../postmark/timestamps";
import { type EventMessage, MAX_MESSAGE_BYTES } from "../queue/postmark-events";
import { webhookReceiverApi as api } from "../schemas/postmark-webhook";

export const postmarkWebhookRoutes = new Hono<AppEnv>();

register(postmarkWebhookRoutes, api.receive, async (c) => {
  const tenantId = c.req.param("tenantId") ?? "";
  // Not the JSON validator: this parse keeps 64-bit bounce IDs exact (postmark/payload.ts). The same media type rule.
  requireJsonContentType(c);
  const text = await c.req.text();
  const body = parseWebhookBody(text);
  if (body.kind === "invalid") throw invalidJson(body.why);
  const classified = classifyEvent(body.value);
  if (classified.action === "ignore") return c.json({ status: "ignored", reason: classified.why });

  const receipt: Receipt = { id: crypto.randomUUID(), receivedAt: utcNow(), payload: auditCopy(text, body.value) };
  // 200 "queued" once the Queue has the event: its consumer commits it with up to 99 others (src/queue/).
  if (await sentToQueue(c.env.EVENTS_QUEUE, { tenantId, event: classified.event, receipt })) {
    return c.json({ status: "queued" });
  }
  // The Queue refused (or the message is too large for it): commit here, as before the Queue. 200 only once
  // committed, anything else a 503 so that Postmark retries. Committed together with the events of concurrent
  // requests, in one D1 batch (one round trip, one transaction).
  const statements = eventStatements(c.env.DB, tenantId, classified.event, receipt);
  const results = await orUnavailable(
    batchCommitterFor(c.env.DB).commit(statements, (p) => c.executionCtx.waitUntil(p)),
  );
  return c.json({ status: storeOutcome(results) });
});

/** Whether `queue` took the message; false when it threw or the message exceeds its size limit. */
async function sentToQueue(queue: Queue<EventMessage>, message: EventMessage): Promise<boolean> {
  if (new TextEncoder().encode(JSON.stringify(message)).length > MAX_MESSAGE_BYTES) return false;
  try {
    await queue.send(message, { contentType: "json" });
    return true;
  } catch (err) {
    logError("queue send failed; committing directly", err);
    return false;
  }
}
