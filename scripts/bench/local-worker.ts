// A bench or load run's local stack (scripts/lib/local-stack.ts): its own free ports, a throwaway D1 state
// directory, generated secrets in a throwaway env file, logs to a file; every process it starts is stopped.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, type LocalStack, startLocalStack } from "../lib/local-stack.ts";

export const root = path.resolve(import.meta.dirname, "..", "..");

// No internet here: stop wrangler fetching the `cf` object and sending metrics.
const quietWrangler = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
};

/** Runs the repository's own wrangler with this Node (no npx), so stopping it does not depend on signal forwarding. */
export function wrangler(args: string[], options: { logFile?: string; env?: NodeJS.ProcessEnv } = {}) {
  const output = options.logFile ? openSync(options.logFile, "a") : "inherit";
  try {
    const result = spawnSync(
      process.execPath,
      [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args],
      {
        cwd: root,
        stdio: ["ignore", output, output],
        env: { ...quietWrangler, ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (result.status !== 0)
      throw new Error(
        `wrangler ${args.slice(0, 3).join(" ")} failed${options.logFile ? ` (see ${options.logFile})` : ""}`,
      );
  } finally {
    if (typeof output === "number") closeSync(output);
  }
}

/** What a wrangler command printed on stdout. */
function wranglerOutput(args: string[]): string {
  const result = spawnSync(
    process.execPath,
    [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args],
    {
      cwd: root,
      encoding: "utf8",
      env: quietWrangler,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0)
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed: ${result.stderr.slice(-500)}`);
  return result.stdout;
}

/** A throwaway directory for one run: D1 state, secrets, logs. Removed by `dispose()`. */
export function runDirectory(name: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `postmark-edge-${name}-`));
  const secrets = { ADMIN_TOKEN: randomBytes(32).toString("hex"), ENCRYPTION_KEY: randomBytes(32).toString("base64") };
  const envFile = path.join(dir, "secrets.env");
  writeFileSync(
    envFile,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  const persistTo = path.join(dir, "state");
  const logFile = path.join(dir, "wrangler.log");
  const dispose = () => {
    disposeOnExit.delete(dispose);
    rmSync(dir, { recursive: true, force: true });
  };
  disposeOnExit.add(dispose);
  return {
    dir,
    secrets,
    envFile,
    persistTo,
    logFile,
    /** Applies the migrations to this run's local D1. */

    /** Rows of one SQL statement against this run's local D1 (the Worker must not be running). */
    query: <T = Record<string, unknown>>(sql: string): T[] => {
      const out = wranglerOutput([
        "d1",
        "execute",
        "DB",
        "--local",
        "--persist-to",
        persistTo,
        "--command",
        sql,
        "--json",
      ]);
      return (JSON.parse(out) as { results: T[] }[])[0]?.results ?? [];
    },
    /** Runs a SQL file against this run's local D1 (the Worker must not be running). */
    executeFile: (file: string) =>
      wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", file, "--yes"], { logFile }),
    dispose,
  };
}
export type RunDirectory = ReturnType<typeof runDirectory>;

export interface RunningWorker {
  base: string;
  /** The local mail server started with it (STARTTLS, trusted by the Worker), for the SMTP bench. */
  mail: LocalStack["mail"];
  mailToken: string;
  /** The pids of the workerd processes wrangler dev runs (its proxy and the Worker), for their memory. */
  workerdPids(): number[];
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  run: RunDirectory;
  /** Entry point instead of wrangler.toml's `main` (the load run's fault-injecting wrapper). */
  entry?: string;
  /** Worker variables set on the wrangler dev command line (`--var NAME:value`). */
  vars?: Record<string, string>;
  /** The token the local mail server accepts; random when omitted. */
  mailToken?: string;
}

/** wrangler dev and the local mail server through the project's one local-stack starter, on free ports. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { run } = options;
  const mailToken = options.mailToken ?? randomBytes(16).toString("hex");
  const stack = await startLocalStack({
    root,
    port: await freePort(),
    inspectorPort: await freePort(),
    mailPort: 0,
    certDir: path.join(run.dir, "tls"),
    mailTokens: [mailToken],
    persistTo: run.persistTo,
    envFile: run.envFile,
    logFile: run.logFile,
    entry: options.entry,
    vars: options.vars,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    stopOnExit.delete(stop);
    await stack.stop();
  };
  stopOnExit.add(stop);
  return {
    base: stack.base,
    mail: stack.mail,
    mailToken,
    workerdPids: () => (stack.wrangler.pid ? descendants(stack.wrangler.pid, "workerd") : []),
    stop,
  };
}

/** Stops every Worker still running, and removes every run directory, when this script is interrupted or fails. */
const stopOnExit = new Set<() => Promise<void>>();
const disposeOnExit = new Set<() => void>();
export async function stopAllWorkers() {
  await Promise.all([...stopOnExit].map((stop) => stop()));
  for (const dispose of disposeOnExit) dispose();
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAllWorkers().finally(() => process.exit(130));
  });
}

/** The descendants of `pid` whose command name starts with `name` (Linux ps). */
function descendants(pid: number, name: string): number[] {
  const result = spawnSync("ps", ["-e", "-o", "pid=,ppid=,comm="], { encoding: "utf8" });
  const rows = result.stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([p, pp, comm]) => ({ pid: Number(p), ppid: Number(pp), comm: comm ?? "" }));
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const row of rows.filter((r) => r.ppid === parent)) {
      if (row.comm.startsWith(name)) found.push(row.pid);
      queue.push(row.pid);
    }
  }
  return found;
}

/** Resident memory of a process in MiB (Linux /proc), or null when it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
}
