// Starts the whole local service once for the browser tests: a throwaway D1 state directory, generated
// secrets, the local mail server, the local Postmark API and `wrangler dev`, all on free ports. Arriving mail is written to a
// directory the tests read. wrangler's output goes to test-results/wrangler.log for failures.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startLocalStack } from "../../scripts/lib/local-stack.ts";
import { TOKENS_KNOWN_TO_POSTMARK } from "../fixtures/postmark-tokens.ts";

export interface BrowserStack {
  base: string;
  adminToken: string;
  mailPort: number;
  /** The Server API token the local mail server accepts (the "right key"); a server of the local Postmark API. */
  mailToken: string;
  /** The local Postmark API stand-in (the Worker's POSTMARK_API_URL). */
  postmarkApiUrl: string;
  mailDir: string;
  resultsDir: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: BrowserStack;
  }
}

const root = path.resolve(import.meta.dirname, "../..");

export default async function setup(project: TestProject) {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    throw new Error(
      `No Chromium at ${chromium}: install Debian's with \`apt-get install -y chromium\`, or set CHROMIUM_PATH.`,
    );
  }
  const resultsDir = path.join(root, "test-results");
  mkdirSync(resultsDir, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), "postmark-edge-browser-"));
  const mailDir = path.join(dir, "mail");
  mkdirSync(mailDir);

  const adminToken = randomBytes(32).toString("hex");
  const envFile = path.join(dir, "test.vars");
  writeFileSync(envFile, `ADMIN_TOKEN=${adminToken}\nENCRYPTION_KEY=${randomBytes(32).toString("base64")}\n`, {
    mode: 0o600,
  });

  const mailToken = randomUUID();
  let received = 0;
  const logFile = path.join(resultsDir, "wrangler.log");
  writeFileSync(logFile, "");
  const stack = await startLocalStack({
    root,
    port: await freePort(),
    inspectorPort: await freePort(),
    mailPort: 0,
    certDir: path.join(dir, "tls"),
    mailTokens: [mailToken],
    extraPostmarkTokens: TOKENS_KNOWN_TO_POSTMARK,
    persistTo: path.join(dir, "state"),
    envFile,
    logFile,
    onMessage(message) {
      received += 1;
      writeFileSync(path.join(mailDir, `${received}.json`), JSON.stringify(message));
    },
  });

  project.provide("stack", {
    base: stack.base,
    adminToken,
    mailPort: stack.mail.port,
    mailToken,
    postmarkApiUrl: stack.postmarkApi.url,
    mailDir,
    resultsDir,
  });

  return async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
