/// <reference path="../provided-context.d.ts" />
// vitest globalSetup of `npm run test:mta`, in Node: a private Postfix with Dovecot SASL (scripts/lib/postfix.ts,
// configured from test/mta/), and a small HTTP inspector that lets the workerd tests read Postfix's log and the
// delivered messages, each checked by Python's strict RFC 5322 parser (test/mta/check-message.py).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { MTA_CONFIG_DIR, startPostfix } from "../../scripts/lib/postfix.ts";
import { generateLocalCertificate } from "../../scripts/lib/tls-certificate.ts";

/** Python's strict parser's reading of each file. */
function strictlyParsed(files: string[]): { file: string }[] {
  if (files.length === 0) return [];
  const result = spawnSync("/usr/bin/python3", [path.join(MTA_CONFIG_DIR, "check-message.py"), ...files], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`check-message.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export default async function setup(project: TestProject) {
  const certificate = await generateLocalCertificate();
  const token = `server-token-${randomUUID()}`;
  const postfix = await startPostfix({ ...certificate, token });

  const inspector = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://inspector");
    let body: unknown;
    if (url.pathname === "/log") {
      // Postfix's log from byte `since` on (the suite's tests run one after another).
      const log = existsSync(postfix.logFile) ? readFileSync(postfix.logFile) : Buffer.alloc(0);
      body = { size: log.length, text: log.subarray(Number(url.searchParams.get("since") ?? 0)).toString("utf8") };
    } else if (url.pathname === "/mail") {
      // Messages delivered to `to` (Postfix's Delivered-To header), each as Python's strict parser read it.
      const to = (url.searchParams.get("to") ?? "").toLowerCase();
      const files = ["new", "cur"]
        .map((sub) => path.join(postfix.maildir, sub))
        .filter((sub) => existsSync(sub))
        .flatMap((sub) => readdirSync(sub).map((f) => path.join(sub, f)))
        .filter((file) => readFileSync(file, "utf8").toLowerCase().includes(`\ndelivered-to: ${to}\n`));
      body = strictlyParsed(files).map((c) => ({ ...c, raw: readFileSync(c.file, "utf8") }));
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
    ports: postfix.ports,
    inspectorUrl: `http://127.0.0.1:${(inspector.address() as AddressInfo).port}`,
  });

  return async () => {
    inspector.close();
    postfix.stop();
  };
}
