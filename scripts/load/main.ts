// `npm run load`: 20,000 webhooks (10% duplicates, shuffled, 64 at a time) against wrangler dev with local
// D1; the same while the database fails for a stretch; then a fuzz pass over every route. Loopback only,
// bounded in count and time, and it stops every process it started. Exit code 0 only when every check holds.
// The Worker runs from scripts/load/worker/fault-injecting-worker.ts (see there why that cannot reach production).
import path from "node:path";
import { type LoopbackClient, loopbackClient, runLoad } from "../bench/http-load.ts";
import { runDirectory, startWorker, stopAllWorkers } from "../bench/local-worker.ts";
import { makeEvents, type SentEvent, seededRandom, shuffle } from "../bench/postmark-events.ts";
import { type BenchTenant, createBenchTenant, webhookRequest } from "../bench/tenant.ts";
import { fuzz } from "./fuzz.ts";
import { compareWithSent } from "./outcome.ts";

const WEBHOOKS = Number(process.env.LOAD_WEBHOOKS ?? 20_000);
const DUPLICATE_SHARE = 0.1;
const CONCURRENCY = 64;
const FUZZ_REQUESTS = 3000;
/** The database fails for this long, starting once this share of the webhooks is answered. */
const FAULT_MS = 4000;
const FAULT_AFTER_SHARE = 0.25;
/** The outage run: D1 fails every call for this long, from this share of the webhooks on. */
const OUTAGE_MS = Number(process.env.LOAD_OUTAGE_MS ?? 60_000);
const OUTAGE_AFTER_SHARE = 0.2;
/** How long the queue may take to drain (its retries back off up to 5 minutes) before a run fails. */
const SETTLE_MS = 6 * 60_000;
/** The whole run gives up (and fails) after this long. */
const DEADLINE_MS = 20 * 60_000;

const log = (message: string) => console.error(`[load] ${message}`);

/** Distinct events plus 10% redeliveries of some of them, shuffled: the order Postmark might deliver in. */
function deliveries(runTag: string, seed: number) {
  const distinct = Math.round(WEBHOOKS / (1 + DUPLICATE_SHARE));
  const events = makeEvents(distinct, runTag, seed);
  const random = seededRandom(seed + 1);
  const sends = [
    ...events,
    ...Array.from({ length: WEBHOOKS - distinct }, () => events[Math.floor(random() * events.length)]!),
  ];
  return { events, sends: shuffle(sends, random) };
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/** Sends every delivery; returns the answers' statuses by index. */
async function deliver(
  client: LoopbackClient,
  tenant: BenchTenant,
  sends: SentEvent[],
  onProgress?: (answered: number) => void,
) {
  const statuses = new Array<number>(sends.length).fill(0);
  const bodies = new Array<string>(sends.length).fill("");
  let answered = 0;
  const stats = await runLoad(
    client,
    sends.length,
    CONCURRENCY,
    (i) => webhookRequest(tenant, sends[i]!.body),
    (i, res) => {
      statuses[i] = res instanceof Error ? -1 : res.status;
      bodies[i] = res instanceof Error ? res.message : res.body;
      onProgress?.(++answered);
    },
  );
  return { statuses, bodies, stats };
}

const count = (statuses: number[], test: (s: number) => boolean) => statuses.filter(test).length;

async function cleanRun(client: LoopbackClient, adminToken: string, checks: Check[]) {
  const tenant = await createBenchTenant(client, adminToken, "Load: clean");
  const { events, sends } = deliveries("clean", 11);
  log(`${sends.length} webhooks (${events.length} distinct), ${CONCURRENCY} at a time ...`);
  const { statuses, bodies, stats } = await deliver(client, tenant, sends);
  const queued = bodies.filter((b) => b.includes('"queued"')).length;
  checks.push({
    name: "clean: zero 5xx, every answer 200",
    pass: count(statuses, (s) => s !== 200) === 0,
    detail: `${JSON.stringify(stats.statuses)} in ${stats.seconds.toFixed(1)} s (${Math.round(stats.requestsPerSecond)} req/s)`,
  });
  checks.push({
    name: "clean: every webhook answered 'queued'",
    pass: queued === sends.length,
    detail: `${queued} of ${sends.length}`,
  });
  const { problems, seconds } = await settled(client, tenant, events);
  checks.push({
    name: "clean: once the queue drained, report and suppression list == what was sent (none lost, none double counted)",
    pass: problems.length === 0,
    detail: `${problems.slice(0, 5).join("; ") || "exact"} (${seconds.toFixed(1)} s after the last answer)`,
  });
  return tenant;
}

/** Polls the report and list until they equal what was sent, or `limitMs` passed; the last problems and the wait. */
async function settled(client: LoopbackClient, tenant: BenchTenant, events: SentEvent[], limitMs = SETTLE_MS) {
  const started = Date.now();
  for (;;) {
    const problems = await compareWithSent(client, tenant, events);
    const seconds = (Date.now() - started) / 1000;
    if (problems.length === 0 || Date.now() - started > limitMs) return { problems, seconds };
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** D1 fails every call for OUTAGE_MS in the middle of the webhooks: the queue keeps the events meanwhile. */
async function outageRun(client: LoopbackClient, adminToken: string, checks: Check[]) {
  const tenant = await createBenchTenant(client, adminToken, "Load: outage");
  const { events, sends } = deliveries("outage", 31);
  log(`${sends.length} webhooks while D1 is down for ${OUTAGE_MS / 1000} s ...`);
  let outageStarted = 0;
  const { statuses, stats } = await deliver(client, tenant, sends, (answered) => {
    if (!outageStarted && answered >= sends.length * OUTAGE_AFTER_SHARE) {
      outageStarted = Date.now();
      void client.send({
        method: "POST",
        path: "/__load/faults",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ failForMs: OUTAGE_MS, outage: true }),
      });
    }
  });
  const answeredDuringOutage = ((Date.now() - outageStarted) / 1000).toFixed(1);
  checks.push({
    name: `outage: D1 down ${OUTAGE_MS / 1000} s, zero 5xx (every webhook answered 200)`,
    pass: count(statuses, (s) => s !== 200) === 0,
    detail: `${JSON.stringify(stats.statuses)}; the last answer ${answeredDuringOutage} s after the outage began`,
  });
  const { problems, seconds } = await settled(client, tenant, events);
  const dead = JSON.parse((await client.send({ method: "GET", path: "/__load/dead-letters" })).body) as {
    deadLetters: number;
  };
  checks.push({
    name: "outage: afterwards report and list == what was sent (each event stored exactly once), no dead letter",
    pass: problems.length === 0 && dead.deadLetters === 0,
    detail: `${problems.slice(0, 5).join("; ") || "exact"}, ${dead.deadLetters} dead letters (${seconds.toFixed(1)} s after the last answer)`,
  });
  return tenant;
}

async function faultRun(client: LoopbackClient, adminToken: string, checks: Check[]) {
  const tenant = await createBenchTenant(client, adminToken, "Load: faults");
  const { events, sends } = deliveries("faults", 23);
  log(`${sends.length} webhooks while the queue and D1 both fail for ${FAULT_MS} ms ...`);
  let faultStarted = false;
  const { statuses, bodies } = await deliver(client, tenant, sends, (answered) => {
    if (!faultStarted && answered >= sends.length * FAULT_AFTER_SHARE) {
      faultStarted = true;
      void client.send({
        method: "POST",
        path: "/__load/faults",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ failForMs: FAULT_MS, queueToo: true }),
      });
    }
  });
  const refused = count(statuses, (s) => s !== 200);
  const not503 = statuses.filter(
    (s, i) => s !== 200 && !(s === 503 && bodies[i]!.includes('"storage_unavailable"')),
  ).length;
  checks.push({
    name: "faults: every failure answered 503 storage_unavailable (no 500, no hang)",
    pass: not503 === 0 && refused > 0,
    detail: `${refused} refused, ${not503} otherwise; ${count(statuses, (s) => s === 200)} answered 200`,
  });

  // Every event answered 200 must be stored: read the stored addresses (each event has its own) once the queue drained.
  await settled(client, tenant, events, 30_000);
  const answeredOk = new Set(sends.filter((_, i) => statuses[i] === 200).map((e) => e.email));
  const csv = await client.send({
    method: "GET",
    path: "/v1/suppressions.csv",
    headers: { Authorization: `Bearer ${tenant.token}` },
  });
  const listed = new Set(
    csv.body
      .trim()
      .split("\r\n")
      .slice(1)
      .map((line) => line.split(",")[0]!),
  );
  const missing = sends.filter((e) => answeredOk.has(e.email) && e.suppresses && !listed.has(e.email)).length;
  checks.push({
    name: "faults: every suppressing event answered 200 is on the list",
    pass: missing === 0,
    detail: `${missing} missing`,
  });

  // Postmark retries what was refused: re-send each event that never got a 200.
  const retry = events.filter((e) => !answeredOk.has(e.email));
  log(`re-sending ${retry.length} refused events ...`);
  const again = await deliver(client, tenant, retry);
  checks.push({
    name: "faults: refused events succeed when re-sent",
    pass: count(again.statuses, (s) => s !== 200) === 0,
    detail: `${retry.length} re-sent, ${count(again.statuses, (s) => s === 200)} answered 200`,
  });
  const { problems } = await settled(client, tenant, events);
  checks.push({
    name: "faults: then report and list == what was sent (none lost, none double counted)",
    pass: problems.length === 0,
    detail: problems.slice(0, 5).join("; ") || "exact",
  });
  return tenant;
}

async function main() {
  const deadline = setTimeout(() => {
    console.error(`load run took longer than ${DEADLINE_MS / 60_000} minutes: stopping`);
    void stopAllWorkers().finally(() => process.exit(1));
  }, DEADLINE_MS);
  const started = Date.now();
  const run = runDirectory("load");
  const checks: Check[] = [];
  let fuzzSummary = "";
  try {
    const worker = await startWorker({
      run,
      entry: path.join("scripts", "load", "worker", "fault-injecting-worker.ts"),
      // The production host policy (the local stack lifts it): the load run sends no test email, and the fuzz
      // pass checks that private hosts and other ports are refused.
      vars: { LOAD_FAULT_INJECTION: "on", SMTP_ALLOW_PRIVATE_HOSTS: "false" },
    });
    const client = loopbackClient(worker.base, 256);
    try {
      const clean = await cleanRun(client, run.secrets.ADMIN_TOKEN, checks);
      const outage = await outageRun(client, run.secrets.ADMIN_TOKEN, checks);
      const faults = await faultRun(client, run.secrets.ADMIN_TOKEN, checks);
      const consumer = JSON.parse((await client.send({ method: "GET", path: "/__load/consumer" })).body) as {
        batches: number;
        messages: number;
        together: number;
        togetherEvents: number;
      };
      checks.push({
        name: "consumer: events per D1 transaction (batches committed whole)",
        pass: true,
        detail: `${consumer.messages} messages in ${consumer.batches} batches; ${consumer.together} committed whole, ${(consumer.togetherEvents / Math.max(1, consumer.together)).toFixed(1)} events each on average`,
      });
      log(`fuzz: ${FUZZ_REQUESTS} random and malformed requests ...`);
      const result = await fuzz(client, [clean, outage, faults], run.secrets.ADMIN_TOKEN, FUZZ_REQUESTS, 5);
      fuzzSummary = JSON.stringify(result.statuses);
      checks.push({
        name: "fuzz: no 500, every error in the error shape, no change to data",
        pass: result.problems.length === 0,
        detail: result.problems.slice(0, 5).join("; ") || `${result.requests} requests: ${fuzzSummary}`,
      });
    } finally {
      client.close();
      await worker.stop();
    }
  } finally {
    run.dispose();
    clearTimeout(deadline);
  }
  console.log(`\nPostmark edge load run (${Math.round((Date.now() - started) / 1000)} s)\n`);
  for (const c of checks) console.log(`${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
  if (checks.some((c) => !c.pass)) process.exitCode = 1;
}

main()
  .catch((err) => {
    console.error(`load run failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAllWorkers());
