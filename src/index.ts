import { app } from "./app";
import { drainPushes } from "./sync/push";

export default {
  fetch: app.fetch,
  // Cron Trigger (wrangler.toml): retries the pushes to Postmark that are due (src/sync/push.ts).
  async scheduled(_controller, env) {
    await drainPushes(env);
  },
} satisfies ExportedHandler<Env>;
