// A private Postfix 3.7 (Debian) with SASL through a private Dovecot, configured from the files in test/mta/:
// one smtpd service per behaviour on loopback ports, every message delivered to one Maildir, all in a throwaway
// directory; no system service. Used by `npm run test:mta` (test/node/mta.ts) and the SMTP bench. Needs root
// (Postfix's master) and Debian's packages (test/mta/install-packages.sh).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import type { MtaServiceName } from "../../test/provided-context";
import { freePort } from "./local-stack.ts";

export const MTA_CONFIG_DIR = path.resolve(import.meta.dirname, "..", "..", "test", "mta");

/** The smtpd services of test/mta/master.cf (the names the MTA suite's tests use). */
export type PostfixService = MtaServiceName;
export const POSTFIX_SERVICES: PostfixService[] = [
  "submission",
  "loginOnly",
  "noStartTls",
  "noAuth",
  "strictHelo",
  "refusesHelo",
];

const BINARIES = ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/python3"];
const CONFIG_FILES = [
  "main.cf",
  "master.cf",
  "dovecot.conf",
  "transport",
  "sender_access",
  "recipient_access",
  "header_checks",
];

export interface RunningPostfix {
  dir: string;
  ports: Record<PostfixService, number>;
  /** Postfix's log (maillog_file), with the SMTP dialogue of every session (debug_peer_list). */
  logFile: string;
  /** The Maildir every message is delivered to. */
  maildir: string;
  stop(): void;
}

/** Why Postfix cannot be started here, or null when it can. */
export function postfixUnavailable(): string | null {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0) return `${missing.join(", ")} missing: run test/mta/install-packages.sh as root`;
  if (process.getuid?.() !== 0) return "Postfix's master must be started as root";
  return null;
}

const idOf = (flag: "-u" | "-g", name: string) => {
  const result = spawnSync("id", [flag, name], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`no user ${name}: ${result.stderr}`);
  return Number(result.stdout.trim());
};

/**
 * Starts a daemon (it forks and returns). Its output goes to a file, not a pipe: the daemon keeps inherited
 * pipes open, so spawnSync would wait for it forever.
 */
function startDaemon(command: string, args: string[], outputFile: string) {
  const output = openSync(outputFile, "a");
  try {
    const result = spawnSync(command, args, { stdio: ["ignore", output, output] });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(" ")} failed: ${readFileSync(outputFile, "utf8").slice(-2000)}`);
    }
  } finally {
    closeSync(output);
  }
}

/** Resolves once something accepts connections on the port. */
async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Postfix and Dovecot presenting `cert`, accepting `token` as user name and password. */
export async function startPostfix(options: { cert: string; key: string; token: string }): Promise<RunningPostfix> {
  const unavailable = postfixUnavailable();
  if (unavailable) throw new Error(unavailable);

  // Postfix's processes run as `postfix` and `nobody`: the directory must be traversable by them.
  const dir = mkdtempSync(path.join(os.tmpdir(), "postmark-edge-mta-"));
  chmodSync(dir, 0o755);
  for (const sub of ["conf", "tls", "dovecot", "mail", "queue", "data"]) mkdirSync(path.join(dir, sub));
  const nobody = { uid: idOf("-u", "nobody"), gid: idOf("-g", "nobody") };
  chownSync(path.join(dir, "mail"), nobody.uid, nobody.gid);
  chownSync(path.join(dir, "data"), idOf("-u", "postfix"), idOf("-g", "postfix"));
  writeFileSync(path.join(dir, "tls", "cert.pem"), options.cert);
  writeFileSync(path.join(dir, "tls", "key.pem"), options.key, { mode: 0o600 });
  // Read by Dovecot's auth process, which runs as `dovecot`.
  const users = path.join(dir, "conf", "users");
  writeFileSync(users, `${options.token}:{PLAIN}${options.token}\n`, { mode: 0o600 });
  chownSync(users, idOf("-u", "dovecot"), idOf("-g", "dovecot"));

  const ports = {} as Record<PostfixService, number>;
  for (const name of POSTFIX_SERVICES) ports[name] = await freePort();
  for (const file of CONFIG_FILES) {
    let text = readFileSync(path.join(MTA_CONFIG_DIR, file), "utf8")
      .replaceAll("@RUN@", dir)
      .replaceAll("@UID@", String(nobody.uid))
      .replaceAll("@GID@", String(nobody.gid));
    for (const name of POSTFIX_SERVICES) text = text.replaceAll(`@PORT_${name}@`, String(ports[name]));
    writeFileSync(path.join(dir, "conf", file), text);
  }

  const conf = path.join(dir, "conf");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync("/usr/sbin/postfix", ["-c", conf, "stop"], { stdio: "ignore" });
    const dovecotPid = path.join(dir, "dovecot", "master.pid");
    if (existsSync(dovecotPid)) {
      try {
        process.kill(Number(readFileSync(dovecotPid, "utf8").trim()), "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    startDaemon("/usr/sbin/dovecot", ["-c", path.join(conf, "dovecot.conf")], path.join(dir, "start.log"));
    startDaemon("/usr/sbin/postfix", ["-c", conf, "start"], path.join(dir, "start.log"));
    await Promise.all(POSTFIX_SERVICES.map((name) => waitForPort(ports[name])));
  } catch (err) {
    stop();
    throw err;
  }
  return { dir, ports, logFile: path.join(dir, "postfix.log"), maildir: path.join(dir, "mail", "inbox"), stop };
}
