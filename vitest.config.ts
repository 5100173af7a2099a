/// <reference path="./test/provided-context.d.ts" />
import path from "node:path";
import { cloudflareTest, type D1Migration, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Fixed, test-only secrets (never used anywhere else).
const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
const TEST_ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // base64 of 32 ASCII bytes
// Test-only: lowers the SMTP deadline (15 s in production) so each stalling server costs 3 s, not 15.
const TEST_SMTP_DEADLINE_MS = 3000;
// Test-only: lowers the Postmark API call bound (5 s in production) so each timeout test costs 1.5 s.
const TEST_POSTMARK_TIMEOUT_MS = 1500;
// Test-only: lower an import's bounds (300,000 entries, 90 s in production) so the limits can be reached.
const TEST_IMPORT_MAX_ENTRIES = 2500;
const TEST_IMPORT_DEADLINE_MS = 4000;

/**
 * The Worker under test in workerd (vitest-pool-workers), shared with vitest.mta.config.ts: the test secrets and
 * migrations, `bindings` on top, and outbound TLS that trusts `caCert` (the test servers' certificate) besides
 * the usual CAs, and still refuses any other.
 */
type WorkersPoolOptions = Exclude<Parameters<typeof cloudflareTest>[0], (...args: never[]) => unknown>;

export function workerUnderTest(
  caCert: string,
  migrations: D1Migration[],
  bindings: Record<string, string>,
  miniflare: { d1Databases?: string[] } = {},
): WorkersPoolOptions {
  return {
    main: "./src/index.ts",
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      ...miniflare,
      bindings: {
        TEST_MIGRATIONS: migrations,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...bindings,
      },
      outboundService: {
        network: { allow: ["public", "private"], tlsOptions: { trustBrowserCas: true, trustedCertificates: [caCert] } },
      },
    },
  };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      // A function, so it runs after the globalSetup has started the SMTP servers (and made their certificate)
      // and the Postmark API stand-in.
      cloudflareTest(({ inject }) =>
        workerUnderTest(
          inject("smtp").caCert,
          migrations,
          {
            ALLOWED_ORIGINS: "https://dashboard.example",
            TEST_SMTP_DEADLINE_MS: String(TEST_SMTP_DEADLINE_MS),
            // The test SMTP servers listen on 127.0.0.1 on random ports (test/smtp-destination.test.ts checks the default).
            SMTP_ALLOW_PRIVATE_HOSTS: "true",
            POSTMARK_API_URL: inject("postmark").url,
            TEST_POSTMARK_TIMEOUT_MS: String(TEST_POSTMARK_TIMEOUT_MS),
            TEST_IMPORT_MAX_ENTRIES: String(TEST_IMPORT_MAX_ENTRIES),
            TEST_IMPORT_DEADLINE_MS: String(TEST_IMPORT_DEADLINE_MS),
          },
          // An empty database for the test that applies the migrations in steps (test/change-feed-cursor.test.ts).
          { d1Databases: ["MIGRATION_STEPS_DB"] },
        ),
      ),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      // test/node/*.test.ts run in Node (vitest.node.config.ts); test/mta/: npm run test:mta (vitest.mta.config.ts).
      exclude: ["test/browser/**", "test/node/**", "test/mta/**"],
      globalSetup: ["./test/node/smtp-servers.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      reporters: ["default", "./test/node/summary-reporter.ts"],
    },
  };
});
