// Bench 5: one test email through the Worker (POST /v1/email/test: settings read, SMTP with STARTTLS and
// AUTH from workerd) against nodemailer sending the same message to the same server from Node. Twice: to the
// local smtp-server stand-in, and to a real Postfix with Dovecot SASL (scripts/lib/postfix.ts, as in
// `npm run test:mta`) when it can run here (Debian's packages, root); otherwise its rows say why not.
import { readFileSync } from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import type { RunningPostfix } from "../lib/postfix.ts";
import { type LoopbackClient, median } from "./http-load.ts";
import type { RunDirectory, RunningWorker } from "./local-worker.ts";
import { ms, type Row, type Target } from "./report.ts";
import { apiRequest, type BenchTenant, createBenchTenant } from "./tenant.ts";

const SAMPLES = 15;
/** The Worker allows 10 test emails a minute per tenant: a fresh tenant every few sends. */
const SENDS_PER_TENANT = 8;

interface SmtpTarget {
  label: string;
  port: number;
  /** Recipients' domain: one the server delivers to. */
  recipientDomain: string;
}

async function configuredTenant(
  client: LoopbackClient,
  run: RunDirectory,
  worker: RunningWorker,
  target: SmtpTarget,
  n: number,
): Promise<BenchTenant> {
  const tenant = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, `Bench SMTP ${target.label} ${n}`);
  const saved = await client.send(
    apiRequest(tenant, "PUT", "/v1/email/settings", {
      provider: "postmark",
      host: "127.0.0.1",
      port: target.port,
      fromEmail: "bench@acme.example",
      fromName: "Bench",
      apiKey: worker.mailToken,
    }),
  );
  if (saved.status !== 200) throw new Error(`saving SMTP settings answered ${saved.status}: ${saved.body}`);
  return tenant;
}

/** Medians of SAMPLES sends (after one warm-up): through the Worker, its SMTP part alone, and nodemailer. */
async function roundTrips(
  client: LoopbackClient,
  run: RunDirectory,
  worker: RunningWorker,
  target: SmtpTarget,
  /** The raw message nodemailer sends: the Worker's own, as the local stand-in received it. */
  rawMessage: () => string,
) {
  const transport = () =>
    nodemailer.createTransport({
      host: "127.0.0.1",
      port: target.port,
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
    if (i % SENDS_PER_TENANT === 0) tenant = await configuredTenant(client, run, worker, target, i);
    const to = `person${i}@${target.recipientDomain}`;
    const res = await client.send(apiRequest(tenant!, "POST", "/v1/email/test", { to }));
    const answer = JSON.parse(res.body) as { ok?: boolean; elapsedMs?: number; error?: unknown };
    if (res.status !== 200 || !answer.ok) {
      throw new Error(`test email through the Worker to ${target.label} failed: ${res.status} ${res.body}`);
    }
    // The same message, envelope and bytes, from Node; a new connection each time, as the Worker opens one.
    const started = performance.now();
    const mailer = transport();
    await mailer.sendMail({ envelope: { from: "bench@acme.example", to: [to] }, raw: rawMessage() });
    mailer.close();
    if (i === 0) continue; // warm-up
    viaNode.push(performance.now() - started);
    viaWorker.push(res.ms);
    workerSmtpOnly.push(answer.elapsedMs ?? Number.NaN);
  }
  return { worker: median(viaWorker), smtpOnly: median(workerSmtpOnly), node: median(viaNode) };
}

function rowsFor(label: string, figures: { worker: number; smtpOnly: number; node: number }): Row[] {
  return [
    {
      section: "smtp",
      measure: `test email via the Worker to ${label}, round trip (median of ${SAMPLES})`,
      value: ms(figures.worker),
      baseline: `${ms(figures.node)} nodemailer`,
      ratio: figures.worker / figures.node,
    },
    { section: "smtp", measure: "  of which SMTP inside the Worker (elapsedMs)", value: ms(figures.smtpOnly) },
  ];
}

export async function benchSmtp(
  client: LoopbackClient,
  run: RunDirectory,
  worker: RunningWorker,
  /** Postfix taking worker.mailToken with the Worker's trusted certificate, or why it could not start. */
  postfix: RunningPostfix | string,
): Promise<{ rows: Row[]; targets: Target[] }> {
  const standIn: SmtpTarget = { label: "smtp-server", port: worker.mail.port, recipientDomain: "example.com" };
  const lastRaw = () => {
    const raw = worker.mail.messages.at(-1)?.raw;
    if (!raw) throw new Error("the Worker's test email did not arrive at the local mail server");
    return raw;
  };
  const local = await roundTrips(client, run, worker, standIn, lastRaw);
  const rows = rowsFor("smtp-server", local);
  const targets: Target[] = [
    {
      name: "SMTP round trip Worker / nodemailer <= 1.5 (smtp-server)",
      pass: local.worker / local.node <= 1.5,
      detail: (local.worker / local.node).toFixed(2),
    },
  ];

  if (typeof postfix === "string") {
    rows.push({ section: "smtp", measure: "test email via the Worker to Postfix", value: `skipped: ${postfix}` });
    return { rows, targets };
  }
  const raw = lastRaw(); // one of the Worker's messages, sent by nodemailer to Postfix
  const real = await roundTrips(
    client,
    run,
    worker,
    { label: "Postfix", port: postfix.ports.submission, recipientDomain: "example.com" },
    () => raw,
  );
  rows.push(...rowsFor("Postfix 3.7 + Dovecot", real));
  targets.push({
    name: "SMTP round trip Worker / nodemailer <= 1.5 (Postfix)",
    pass: real.worker / real.node <= 1.5,
    detail: (real.worker / real.node).toFixed(2),
  });
  return { rows, targets };
}
