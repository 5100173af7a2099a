// Tests that run in Node, not workerd: the local Postmark API stand-in checked with Postmark's official client.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    reporters: ["default", "./test/node/summary-reporter.ts"],
  },
});
