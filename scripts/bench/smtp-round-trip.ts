// Bench 5: one test email through the Worker (POST /v1/email/test: settings read, SMTP with STARTTLS and
// AUTH from workerd) against nodemailer sending the very same message to the same local server from Node.
import { readFileSync } from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import { type LoopbackClient, median } from "./http-load.ts";
import type { RunDirectory, RunningWorker } from "./local-worker.ts";
import { ms, type Row, type Target } from "./report.ts";
import { apiRequest, type BenchTenant, createBenchTenant } from "./tenant.ts";

const SAMPLES = 15;
/** The Worker allows 10 test emails a minute per tenant: a fresh tenant every few sends. */
const SENDS_PER_TENANT = 8;

async function configuredTenant(
  client: LoopbackClient,
  run: RunDirectory,
  worker: RunningWorker,
  n: number,
): Promise<BenchTenant> {
  const tenant = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, `Bench SMTP ${n}`);
  const saved = await client.send(
    apiRequest(tenant, "PUT", "/v1/email/settings", {
      provider: "postmark",
      host: "127.0.0.1",
      port: worker.mail.port,
      fromEmail: "bench@sender.example",
      fromName: "Bench",
      apiKey: worker.mailToken,
    }),
  );
  if (saved.status !== 200) throw new Error(`saving SMTP settings answered ${saved.status}: ${saved.body}`);
  return tenant;
}

export async function benchSmtp(
  client: LoopbackClient,
  run: RunDirectory,
  worker: RunningWorker,
): Promise<{ rows: Row[]; targets: Target[] }> {
  const transport = () =>
    nodemailer.createTransport({
      host: "127.0.0.1",
      port: worker.mail.port,
      secure: false,
      requireTLS: true,
      auth: { user: worker.mailToken, pass: worker.mailToken },
      tls: { ca: readFileSync(path.join(run.dir, "tls", "cert.pem"), "utf8") },
    });
  const viaWorker: number[] = [];
  const workerSmtpOnly: number[] = [];
  const viaNode: number[] = [];
  let tenant: BenchTenant | null = null;
  for (let i = 0; i < SAMPLES + 1; i++) {
    if (i % SENDS_PER_TENANT === 0) tenant = await configuredTenant(client, run, worker, i);
    const before = worker.mail.messages.length;
    const res = await client.send(
      apiRequest(tenant!, "POST", "/v1/email/test", { to: `person${i}@recipient.example` }),
    );
    const answer = JSON.parse(res.body) as { ok?: boolean; elapsedMs?: number; error?: unknown };
    if (res.status !== 200 || !answer.ok)
      throw new Error(`test email through the Worker failed: ${res.status} ${res.body}`);
    const message = worker.mail.messages[before];
    if (!message) throw new Error("the Worker's test email did not arrive");
    // The same message, envelope and bytes, from Node; a new connection each time, as the Worker opens one.
    const started = performance.now();
    const mailer = transport();
    await mailer.sendMail({ envelope: { from: message.from, to: message.to }, raw: message.raw });
    mailer.close();
    if (i === 0) continue; // warm-up
    viaNode.push(performance.now() - started);
    viaWorker.push(res.ms);
    workerSmtpOnly.push(answer.elapsedMs ?? Number.NaN);
  }
  const worker50 = median(viaWorker);
  const node50 = median(viaNode);
  const ratio = worker50 / node50;
  return {
    rows: [
      {
        section: "smtp",
        measure: `test email via the Worker, round trip (median of ${SAMPLES})`,
        value: ms(worker50),
        baseline: `${ms(node50)} nodemailer`,
        ratio,
      },
      { section: "smtp", measure: "  of which SMTP inside the Worker (elapsedMs)", value: ms(median(workerSmtpOnly)) },
    ],
    targets: [{ name: "SMTP round trip Worker / nodemailer <= 1.5", pass: ratio <= 1.5, detail: ratio.toFixed(2) }],
  };
}
