import { app } from "./app";
import { evaluateAllTenants } from "./deliverability/guard";
import { deliverDueNotifications } from "./notifications/deliver";
import { consumeEvents, DEAD_LETTER_QUEUE_NAME, EVENTS_QUEUE_NAME, keepDeadLetters } from "./queue/postmark-events";
import { drainPushes } from "./sync/push";

export default {
  fetch: app.fetch,
  // Cron Trigger (wrangler.toml): retries the pushes to Postmark that are due (src/sync/push.ts) and evaluates
  // each tenant's deliverability (src/deliverability/guard.ts), then sends the notifications that are due
  // (src/notifications/deliver.ts), a deliverability.changed of this run included.
  async scheduled(_controller, env) {
    await Promise.all([drainPushes(env), evaluateAllTenants(env)]);
    await deliverDueNotifications(env);
  },
  // The Postmark events the webhook route queued, and the ones that ran out of retries (src/queue/).
  async queue(batch, env) {
    if (batch.queue === EVENTS_QUEUE_NAME) await consumeEvents(batch, env.DB, env.DEAD_LETTER_QUEUE);
    else if (batch.queue === DEAD_LETTER_QUEUE_NAME) await keepDeadLetters(batch, env.DB);
    else batch.retryAll(); // a queue this Worker does not know: left for a version that does
  },
} satisfies ExportedHandler<Env>;
