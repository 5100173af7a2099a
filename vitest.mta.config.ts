/// <reference path="./test/provided-context.d.ts" />
// `npm run test:mta`: the test email sent through the real Worker code (workerd, vitest-pool-workers) to a real
// Postfix with Dovecot SASL, started by the globalSetup (test/node/mta.ts) from the files in test/mta/.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { workerUnderTest } from "./vitest.config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest(({ inject }) =>
        // Postfix listens on loopback ports: let the host/port policy allow them. workerd trusts its certificate.
        workerUnderTest(inject("mta").caCert, migrations, { SMTP_ALLOW_PRIVATE_HOSTS: "true" }),
      ),
    ],
    test: {
      include: ["test/mta/**/*.test.ts"],
      globalSetup: ["./test/node/mta.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      // One Postfix log read by offsets: the files run one after another.
      fileParallelism: false,
      testTimeout: 20_000,
      reporters: ["default", "./test/node/summary-reporter.ts"],
    },
  };
});
