import { app } from "./app";
import { evaluateAllTenants } from "./deliverability/guard";
import { deliverDueNotifications } from "./notifications/deliver";
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
} satisfies ExportedHandler<Env>;
