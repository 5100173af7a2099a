// `npm run bench`: the figures of BENCHMARKS.md, each against a baseline measured in the same run.
// Prints a table and PASS/MISS lines, writes bench/results.json. Loopback only; every process it starts
// is stopped, and its throwaway state removed, also when it fails.
// `npm run bench -- webhook lookups` runs only the named sections (webhook, lookups, import, bundle, smtp).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { postfixUnavailable, startPostfix } from "../lib/postfix.ts";
import { ensureLocalCertificate } from "../lib/tls-certificate.ts";
import { bundleSize } from "./bundle-size.ts";
import { type LoopbackClient, loopbackClient } from "./http-load.ts";
import {
  type RunDirectory,
  type RunningWorker,
  root,
  runDirectory,
  startWorker,
  stopAllWorkers,
} from "./local-worker.ts";
import { printTable, printTargets, type Row, type Target } from "./report.ts";
import { benchSmtp } from "./smtp-round-trip.ts";
import { benchImport, importRows, importTargets } from "./suppression-import.ts";
import {
  benchSuppressions,
  benchSyntheticCsv,
  printPlans,
  suppressionRows,
  suppressionTargets,
  syntheticCsvRows,
  syntheticCsvTargets,
} from "./suppression-lookups.ts";
import { createBenchTenant } from "./tenant.ts";
import { benchWebhooks, webhookRows, webhookTargets } from "./webhook-throughput.ts";
import { benchDrain, benchVisibility, visibilityRows, visibilityTargets } from "./webhook-visibility.ts";

const SECTIONS = ["webhook", "lookups", "import", "bundle", "smtp"] as const;
type Section = (typeof SECTIONS)[number];

const log = (message: string) => console.error(`[bench] ${message}`);

/** Runs `use` against a throwaway run directory, removed afterwards whatever happens. */
async function inRun<T>(name: string, use: (run: RunDirectory) => Promise<T>): Promise<T> {
  const run = runDirectory(name);
  try {
    return await use(run);
  } finally {
    run.dispose();
  }
}

/** Runs `use` against a running Worker in `run`, stopped afterwards whatever happens. */
async function withWorker<T>(
  run: RunDirectory,
  use: (client: LoopbackClient, worker: RunningWorker) => Promise<T>,
  options: { mailToken?: string } = {},
): Promise<T> {
  const worker = await startWorker({ run, ...options });
  const client = loopbackClient(worker.base);
  try {
    return await use(client, worker);
  } finally {
    client.close();
    await worker.stop();
  }
}

const webhookSection = (rows: Row[], targets: Target[]) =>
  inRun("bench-webhook", async (run) => {
    const { tenant, outcome } = await withWorker(run, async (client) => {
      const tenant = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, "Bench webhooks");
      log("webhook ingestion vs /health, concurrency 1 and 32 ...");
      const outcome = await benchWebhooks(client, tenant, { runs: 5, requests: { 1: 300, 32: 3000 } });
      // The answers are "queued": let the queue consumer drain (its batches wait at most 1 s) before stopping.
      const count = () =>
        run.query<{ n: number }>(`SELECT count(*) AS n FROM postmark_events WHERE tenant_id = '${tenant.id}'`)[0]?.n ??
        0;
      for (let waited = 0, last = -1; waited < 60_000; waited += 2000) {
        const now = count();
        if (now >= outcome.sent || now === last) break;
        last = now;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      return { tenant, outcome };
    });
    // Counted in the database itself, with the Worker stopped.
    const [counted] = run.query<{ n: number }>(
      `SELECT count(*) AS n FROM postmark_events WHERE tenant_id = '${tenant.id}'`,
    );
    rows.push(...webhookRows(outcome.results));
    targets.push(...webhookTargets(outcome.results, outcome.sent, counted?.n ?? 0));

    // The queue: 200 to visible at a steady 500 events/s, then the consumer's drain rate against one event a
    // transaction (the bench entry point runs the consumer's own code), both for a tenant of their own.
    log("webhook 200 to visible at 500 events/s ...");
    const { visibility, tenantId } = await withWorker(run, async (client) => {
      const own = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, "Bench visibility");
      return { visibility: await benchVisibility(client, own), tenantId: own.id };
    });
    log("consumer drain rate vs one event a transaction ...");
    const drainWorker = await startWorker({
      run,
      entry: "scripts/bench/worker/drain-worker.ts",
      vars: { BENCH_DRAIN: "on" },
    });
    const drainClient = loopbackClient(drainWorker.base);
    try {
      const drain = await benchDrain(drainClient, tenantId);
      rows.push(...visibilityRows(visibility, drain));
      targets.push(...visibilityTargets(visibility, drain));
    } finally {
      drainClient.close();
      await drainWorker.stop();
    }
  });

const lookupsSection = (rows: Row[], targets: Target[]) =>
  inRun("bench-lookups", async (run) => {
    const tenant = await withWorker(run, (client) =>
      createBenchTenant(client, run.secrets.ADMIN_TOKEN, "Bench suppressions"),
    );
    const { figures, plans } = await benchSuppressions(run, tenant, log);
    rows.push(...suppressionRows(figures));
    targets.push(...suppressionTargets(figures));
    const synthetic = await benchSyntheticCsv(run, tenant, log);
    rows.push(...syntheticCsvRows(synthetic));
    targets.push(...syntheticCsvTargets(synthetic));
    return plans;
  });

const importSection = (rows: Row[], targets: Target[]) =>
  inRun("bench-import", async (run) => {
    const figures = await benchImport(run, log);
    rows.push(...importRows(figures));
    targets.push(...importTargets(figures));
  });

const bundleSection = (rows: Row[], targets: Target[]) =>
  inRun("bench-bundle", async (run) => {
    const bundle = bundleSize(run);
    rows.push(...bundle.rows);
    targets.push(...bundle.targets);
  });

const smtpSection = (rows: Row[], targets: Target[]) =>
  inRun("bench-smtp", async (run) => {
    // Postfix starts before wrangler dev (started while it runs, wrangler's esbuild watcher was seen to deadlock),
    // with the certificate the Worker trusts and the token the local mail server takes.
    const mailToken = randomBytes(16).toString("hex");
    const certificate = await ensureLocalCertificate(path.join(run.dir, "tls"));
    const unavailable = postfixUnavailable();
    const postfix = unavailable
      ? unavailable
      : await startPostfix({ cert: certificate.cert, key: certificate.key, token: mailToken });
    try {
      await withWorker(
        run,
        async (client, worker) => {
          log("SMTP round trip: the Worker vs nodemailer, to smtp-server and to Postfix ...");
          const smtp = await benchSmtp(client, run, worker, postfix);
          rows.push(...smtp.rows);
          targets.push(...smtp.targets);
        },
        { mailToken },
      );
    } finally {
      if (typeof postfix !== "string") postfix.stop();
    }
  });

async function main() {
  const asked = process.argv.slice(2).filter((a): a is Section => (SECTIONS as readonly string[]).includes(a));
  const sections = asked.length > 0 ? asked : [...SECTIONS];
  const rows: Row[] = [];
  const targets: Target[] = [];
  const started = Date.now();
  if (sections.includes("webhook")) await webhookSection(rows, targets);
  const plans = sections.includes("lookups") ? await lookupsSection(rows, targets) : [];
  if (sections.includes("import")) await importSection(rows, targets);
  if (sections.includes("bundle")) await bundleSection(rows, targets);
  if (sections.includes("smtp")) await smtpSection(rows, targets);

  console.log(
    `\nPostmark edge bench: ${os.cpus().length} cores, Node ${process.versions.node}, ${new Date().toISOString()}\n`,
  );
  printTable(rows);
  if (plans.length > 0) printPlans(plans);
  console.log("");
  printTargets(targets);
  const out = path.join(root, "bench", "results.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.versions.node, cores: os.cpus().length, seconds: (Date.now() - started) / 1000, rows, targets, plans }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(root, out)} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main()
  .catch((err) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAllWorkers());
