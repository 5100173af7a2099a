// The whole service on this machine: local D1 migrated, the local mail server (STARTTLS with a certificate
// the Worker trusts, AUTH required), the local Postmark API (same tokens; it does bounce testing for mail
// sent through the mail server and posts webhooks to the Worker) and `wrangler dev`, whose POSTMARK_API_URL
// points at it. Used by `npm run dev` and the browser tests, which
// differ only in ports, where state and logs go, and which secrets file wrangler reads.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { type ReceivedMessage, type RunningMailServer, startMailServer } from "./mail-server.ts";
import { type RunningPostmarkApi, startPostmarkApi } from "./postmark-api/server.ts";
import { ensureLocalCertificate } from "./tls-certificate.ts";

export interface LocalStackOptions {
  /** The project root: where wrangler.toml is. */
  root: string;
  port: number;
  /** 0 picks a free port. */
  mailPort: number;
  /** Where the certificate for the mail server is kept (created on first use). */
  certDir: string;
  /** Server API tokens the mail server accepts; each is also a server of the local Postmark API. */
  mailTokens: string[];
  /** The local Postmark API's port; 0 picks a free one. */
  postmarkApiPort?: number;
  /** More Server API tokens the local Postmark API knows (tokens the mail server refuses). */
  extraPostmarkTokens?: string[];
  onMessage?: (message: ReceivedMessage) => void;
  /** Local D1 state directory; wrangler's default (.wrangler/state) when omitted. */
  persistTo?: string;
  /** Secrets file for wrangler; `.dev.vars` in the root when omitted. */
  envFile?: string;
  /** Where wrangler's output goes: this terminal (`npm run dev`) or a log file (tests). */
  logFile?: string;
  /** Debugger port for wrangler dev (its default, 9229, when omitted); tests pass a free one so stacks can run side by side. */
  inspectorPort?: number;
  /** Entry point instead of wrangler.toml's `main` (the load run's fault-injecting wrapper). */
  entry?: string;
  /** Worker variables set on the wrangler dev command line (`--var NAME:value`). */
  vars?: Record<string, string>;
}

export interface LocalStack {
  base: string;
  mail: RunningMailServer;
  postmarkApi: RunningPostmarkApi;
  wrangler: ChildProcess;
  stop(): Promise<void>;
}

// No internet here: stop wrangler fetching the `cf` object and sending metrics.
const quietWrangler = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function wranglerArgs(root: string, args: string[]): [string, string[]] {
  // Run wrangler's own entry point with this Node, so stopping it does not depend on npx forwarding signals.
  return [process.execPath, [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args]];
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { root } = options;
  const base = `http://127.0.0.1:${options.port}`;
  const output = options.logFile ? openSync(options.logFile, "a") : "inherit";
  const persist = options.persistTo ? ["--persist-to", options.persistTo] : [];
  const envFile = options.envFile ? ["--env-file", options.envFile] : [];

  const certificate = await ensureLocalCertificate(options.certDir);

  const [node, migrateArgs] = wranglerArgs(root, ["d1", "migrations", "apply", "DB", "--local", ...persist]);
  // Into the log file as it is; on a terminal, wrangler redraws its table once per migration: show only the last.
  const migrate = spawnSync(node, migrateArgs, {
    cwd: root,
    stdio: ["ignore", output === "inherit" ? "pipe" : output, output === "inherit" ? "pipe" : output],
    env: { ...quietWrangler, CI: "true" },
    encoding: "utf8",
  });
  if (output === "inherit") {
    const printed = `${migrate.stdout ?? ""}${migrate.stderr ?? ""}`;
    const lastTable = printed.lastIndexOf("┌");
    process.stdout.write(migrate.status === 0 && lastTable >= 0 ? `${printed.slice(lastTable)}\n` : printed);
  }
  if (migrate.status !== 0) {
    throw new Error(
      `applying the local D1 migrations failed (${options.logFile ? `see ${options.logFile}` : "see above"})`,
    );
  }

  const postmarkApi = await startPostmarkApi({
    port: options.postmarkApiPort ?? 0,
    servers: [...options.mailTokens, ...(options.extraPostmarkTokens ?? [])].map((token, i) => ({
      token,
      name: i === 0 ? "Local Postmark server" : `Local Postmark server ${i + 1}`,
    })),
  });
  const mail = await startMailServer({
    port: options.mailPort,
    cert: certificate.cert,
    key: certificate.key,
    tokens: options.mailTokens,
    onMessage: options.onMessage,
    postmarkApi,
  });

  const [, devArgs] = wranglerArgs(root, [
    "dev",
    ...(options.entry ? [options.entry] : []),
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    // The Cron Trigger (retries of pushes to Postmark) only runs when asked: GET /__scheduled.
    "--test-scheduled",
    ...(options.inspectorPort ? ["--inspector-port", String(options.inspectorPort)] : []),
    ...persist,
    ...envFile,
    // The local mail server listens on 127.0.0.1 on any port: lift the production host and port policy for
    // test emails (npm run dev, the browser tests and bench start the stack here; load sets it back). Never in
    // wrangler.toml.
    ...Object.entries({ SMTP_ALLOW_PRIVATE_HOSTS: "true", POSTMARK_API_URL: postmarkApi.url, ...options.vars }).flatMap(
      ([name, value]) => ["--var", `${name}:${value}`],
    ),
  ]);
  const wrangler = spawn(node, devArgs, {
    cwd: root,
    stdio: [options.logFile ? "ignore" : "inherit", output, output],
    env: { ...quietWrangler, NODE_EXTRA_CA_CERTS: certificate.certPath },
  });

  const exited = new Promise<void>((resolve) => wrangler.once("exit", () => resolve()));
  const stop = async () => {
    if (wrangler.exitCode === null && wrangler.signalCode === null) {
      wrangler.kill("SIGINT");
      const timer = setTimeout(() => wrangler.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await mail.close();
    await postmarkApi.close();
    if (typeof output === "number") closeSync(output);
  };

  try {
    await waitForHealth(base, wrangler);
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, mail, postmarkApi, wrangler, stop };
}

async function waitForHealth(base: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited before it was ready");
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${base}/health within ${timeoutMs / 1000} s`);
}

/** Calls the local Worker's JSON API with a bearer token, as a dashboard or operator would. */
export function apiClient(base: string) {
  return (pathname: string, token: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(base + pathname, {
      method: init.method ?? "GET",
      headers: { Authorization: `Bearer ${token}`, ...(init.json ? { "Content-Type": "application/json" } : {}) },
      body: init.json ? JSON.stringify(init.json) : undefined,
    });
}
