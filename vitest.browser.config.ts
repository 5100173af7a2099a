// The browser tests: Node (not workerd) drives Debian's Chromium against `wrangler dev`, started once by
// test/browser/global-setup.ts. One file at a time: they share one wrangler dev on a 2-core machine.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["./test/browser/global-setup.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/node/summary-reporter.ts"],
  },
});
