// Starts `wrangler dev` for a bench or load run: its own free ports, a throwaway D1 state directory,
// generated secrets in a throwaway env file, logs to a file. Every process it starts is stopped by `stop()`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..", "..");

// No internet here: stop wrangler fetching the `cf` object and sending metrics.
const quietWrangler = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" };

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

/** Runs the repository's own wrangler with this Node (no npx), so stopping it does not depend on signal forwarding. */
export function wrangler(args: string[], options: { logFile?: string; env?: NodeJS.ProcessEnv } = {}) {
  const output = options.logFile ? openSync(options.logFile, "a") : "inherit";
  try {
    const result = spawnSync(process.execPath, [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args], {
      cwd: root,
      stdio: ["ignore", output, output],
      env: { ...quietWrangler, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed${options.logFile ? ` (see ${options.logFile})` : ""}`);
  } finally {
    if (typeof output === "number") closeSync(output);
  }
}

/** What a wrangler command printed on stdout. */
function wranglerOutput(args: string[]): string {
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: quietWrangler,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed: ${result.stderr.slice(-500)}`);
  return result.stdout;
}

/** A throwaway directory for one run: D1 state, secrets, logs. Removed by `dispose()`. */
export function runDirectory(name: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `postmark-edge-${name}-`));
  const secrets = { ADMIN_TOKEN: randomBytes(32).toString("hex"), ENCRYPTION_KEY: randomBytes(32).toString("base64") };
  const envFile = path.join(dir, "secrets.env");
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
  const persistTo = path.join(dir, "state");
  const logFile = path.join(dir, "wrangler.log");
  return {
    dir,
    secrets,
    envFile,
    persistTo,
    logFile,
    /** Applies the migrations to this run's local D1. */
    migrate: () => wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { logFile }),
    /** Rows of one SQL statement against this run's local D1 (the Worker must not be running). */
    query: <T = Record<string, unknown>>(sql: string): T[] => {
      const out = wranglerOutput(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--command", sql, "--json"]);
      return (JSON.parse(out) as { results: T[] }[])[0]?.results ?? [];
    },
    /** Runs a SQL file against this run's local D1 (the Worker must not be running). */
    executeFile: (file: string) => wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", file, "--yes"], { logFile }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
export type RunDirectory = ReturnType<typeof runDirectory>;

export interface RunningWorker {
  base: string;
  process: ChildProcess;
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
  /** Extra environment for wrangler dev (NODE_EXTRA_CA_CERTS for the SMTP bench). */
  env?: NodeJS.ProcessEnv;
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { run } = options;
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;
  const output = openSync(run.logFile, "a");
  const args = [
    path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    ...(options.entry ? [options.entry] : []),
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", run.persistTo,
    "--env-file", run.envFile,
    "--log-level", "warn",
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  // Its own process group, so stop() reaches wrangler and the workerd it starts.
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", output, output], env: { ...quietWrangler, ...options.env }, detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child, "SIGINT");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    signalGroup(child, "SIGKILL"); // anything of the group still alive
    closeSync(output);
  };
  stopOnExit.add(stop);
  try {
    await waitForHealth(base, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    process: child,
    workerdPids: () => (child.pid ? descendants(child.pid, "workerd") : []),
    stop: async () => {
      stopOnExit.delete(stop);
      await stop();
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every Worker still running when this script is interrupted or fails. */
const stopOnExit = new Set<() => Promise<void>>();
export async function stopAllWorkers() {
  await Promise.all([...stopOnExit].map((stop) => stop()));
  stopOnExit.clear();
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAllWorkers().finally(() => process.exit(130));
  });
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
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not answer ${base}/health within ${timeoutMs / 1000} s`);
}

/** The descendants of `pid` whose command name starts with `name` (Linux ps). */
function descendants(pid: number, name: string): number[] {
  const result = spawnSync("ps", ["-e", "-o", "pid=,ppid=,comm="], { encoding: "utf8" });
  const rows = result.stdout.trim().split("\n").map((line) => line.trim().split(/\s+/)).map(([p, pp, comm]) => ({ pid: Number(p), ppid: Number(pp), comm: comm ?? "" }));
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
