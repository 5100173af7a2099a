import type { D1Migration } from "@cloudflare/vitest-pool-workers";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** An empty database, migrated step by step by test/change-feed-cursor.test.ts only. */
      MIGRATION_STEPS_DB: D1Database;
      /** Test-only: lowers the SMTP deadline (see src/routes/test-email.ts). */
      TEST_SMTP_DEADLINE_MS: string;
      /** Set to "true" for the suite (its SMTP servers listen on 127.0.0.1); unset is the production default. */
      SMTP_ALLOW_PRIVATE_HOSTS?: string;
      /** Test-only: lowers the Postmark API call bound (see src/postmark/api/client.ts). */
      TEST_POSTMARK_TIMEOUT_MS: string;
      /** Test-only: lower an import's entry cap and deadline (see src/sync/import.ts). */
      TEST_IMPORT_MAX_ENTRIES: string;
      TEST_IMPORT_DEADLINE_MS: string;
    }
  }
}
