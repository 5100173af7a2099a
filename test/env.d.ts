import type { D1Migration } from "@cloudflare/vitest-pool-workers";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Test-only: lowers the SMTP deadline (see src/routes/test-email.ts). */
      TEST_SMTP_DEADLINE_MS: string;
      /** Test-only: lowers the Postmark API call bound (see src/postmark/api/client.ts). */
      TEST_POSTMARK_TIMEOUT_MS: string;
    }
  }
}
