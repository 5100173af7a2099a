/// <reference path="../provided-context.d.ts" />
// vitest globalSetup of `npm run test:mta`, in Node: a private Postfix (several smtpd services, one per
// behaviour, on loopback ports) with SASL through a private Dovecot, configured from the files in test/mta/,
// in a throwaway directory; no system service. Debian's packages are installed by test/mta/install-packages.sh.
// A small HTTP inspector lets the workerd tests read Postfix's log and the delivered messages, each checked by
// Python's strict RFC 5322 parser (test/mta/check-message.py).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, connect } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../scripts/lib/local-stack.ts";
import { generateLocalCertificate } from "../../scripts/lib/tls-certificate.ts";
import type { MtaServiceName } from "../provided-context";

const MTA_DIR = path.resolve(import.meta.dirname, "..", "mta");
const SERVICES: MtaServiceName[] = ["submission", "loginOnly", "noStartTls", "noAuth", "strictHelo", "refusesHelo"];
const BINARIES = ["/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/bin/python3"];

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

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

const idOf = (flag: "-u" | "-g", name: string) => Number(run("id", [flag, name]).trim());

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

export default async function setup(project: TestProject) {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length > 0) {
    throw new Error(`test:mta needs ${missing.join(", ")}: run test/mta/install-packages.sh as root (CI does).`);
  }
  if (process.getuid?.() !== 0) throw new Error("test:mta starts Postfix's master, which must run as root.");

  // Postfix's processes run as `postfix` and `nobody`: the directory must be traversable by them.
  const dir = mkdtempSync(path.join(os.tmpdir(), "postmark-edge-mta-"));
  chmodSync(dir, 0o755);
  for (const sub of ["conf", "tls", "dovecot", "mail", "queue", "data"]) mkdirSync(path.join(dir, sub));
  const nobody = { uid: idOf("-u", "nobody"), gid: idOf("-g", "nobody") };
  chownSync(path.join(dir, "mail"), nobody.uid, nobody.gid);
  chownSync(path.join(dir, "data"), idOf("-u", "postfix"), idOf("-g", "postfix"));

  const certificate = await generateLocalCertificate();
  writeFileSync(path.join(dir, "tls", "cert.pem"), certificate.cert);
  writeFileSync(path.join(dir, "tls", "key.pem"), certificate.key, { mode: 0o600 });
  const token = `server-token-${randomUUID()}`;
  writeFileSync(path.join(dir, "conf", "users"), `${token}:{PLAIN}${token}\n`);

  const ports = {} as Record<MtaServiceName, number>;
  for (const name of SERVICES) ports[name] = await freePort();
  const render = (file: string) => {
    let text = readFileSync(path.join(MTA_DIR, file), "utf8")
      .replaceAll("@RUN@", dir)
      .replaceAll("@UID@", String(nobody.uid))
      .replaceAll("@GID@", String(nobody.gid));
    for (const name of SERVICES) text = text.replaceAll(`@PORT_${name}@`, String(ports[name]));
    writeFileSync(path.join(dir, "conf", file), text);
  };
  for (const file of ["main.cf", "master.cf", "dovecot.conf", "transport", "sender_access", "recipient_access"]) {
    render(file);
  }
  render("header_checks");

  const conf = path.join(dir, "conf");
  const postfixLog = path.join(dir, "postfix.log");
  const stop = () => {
    spawnSync("/usr/sbin/postfix", ["-c", conf, "stop"], { stdio: "ignore" });
    const dovecotPid = path.join(dir, "dovecot", "master.pid");
    if (existsSync(dovecotPid)) {
      try {
        process.kill(Number(readFileSync(dovecotPid, "utf8").trim()), "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
  try {
    startDaemon("/usr/sbin/dovecot", ["-c", path.join(conf, "dovecot.conf")], path.join(dir, "start.log"));
    startDaemon("/usr/sbin/postfix", ["-c", conf, "start"], path.join(dir, "start.log"));
    await Promise.all(SERVICES.map((name) => waitForPort(ports[name])));
  } catch (err) {
    stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const inbox = path.join(dir, "mail", "inbox");
  const inspector = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://inspector");
    let body: unknown;
    if (url.pathname === "/log") {
      // Postfix's log from byte `since` on (the suite's tests run one after another).
      const log = existsSync(postfixLog) ? readFileSync(postfixLog) : Buffer.alloc(0);
      body = { size: log.length, text: log.subarray(Number(url.searchParams.get("since") ?? 0)).toString("utf8") };
    } else if (url.pathname === "/mail") {
      // Messages delivered to `to` (Postfix's Delivered-To), each as Python's strict parser read it.
      const to = (url.searchParams.get("to") ?? "").toLowerCase();
      const files = ["new", "cur"]
        .flatMap((sub) =>
          (existsSync(path.join(inbox, sub)) ? readdirSync(path.join(inbox, sub)) : []).map((f) =>
            path.join(inbox, sub, f),
          ),
        )
        .filter((file) => readFileSync(file, "utf8").toLowerCase().includes(`\ndelivered-to: ${to}\n`));
      const checked =
        files.length === 0
          ? []
          : JSON.parse(run("/usr/bin/python3", [path.join(MTA_DIR, "check-message.py"), ...files]));
      body = checked.map((c: { file: string }) => ({ ...c, raw: readFileSync(c.file, "utf8") }));
    } else {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => inspector.listen(0, "127.0.0.1", resolve));

  project.provide("mta", {
    caCert: certificate.cert,
    token,
    ports,
    inspectorUrl: `http://127.0.0.1:${(inspector.address() as AddressInfo).port}`,
  });

  return async () => {
    inspector.close();
    stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
