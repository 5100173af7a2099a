// The Worker as `npm run load` runs it: src/index.ts with its D1 binding wrapped, so the load run can make
// storage fail for a stretch and check that no event is lost or counted twice.
// It can never be on in production: it is not the entry point wrangler.toml deploys (that is src/index.ts),
// only `npm run load` starts it (`wrangler dev scripts/load/worker/fault-injecting-worker.ts`), and it
// refuses every request unless LOAD_FAULT_INJECTION=on, which that script passes on the command line.
import worker from "../../../src/index";
import { consumeEvents, EVENTS_QUEUE_NAME } from "../../../src/queue/postmark-events";

type LoadEnv = Env & { LOAD_FAULT_INJECTION?: string };

/** Until when D1 calls fail, and how: each call in the stretch fails before it runs, after it committed
 * (the answer is lost, as when a connection drops), or (unless `outage`) goes through, at random. */
let failingUntil = 0;
/** An outage: every D1 call in the stretch fails (none goes through). */
let outage = false;
/** Until when the events queue refuses every send (the route then commits directly). */
let queueFailingUntil = 0;

type Fault = "before" | "after" | null;
function faultNow(): Fault {
  if (Date.now() >= failingUntil) return null;
  const roll = Math.random();
  return roll < 0.5 ? "before" : roll < 0.75 || outage ? "after" : null;
}

function wrapQueue(queue: Queue): Queue {
  return new Proxy(queue, {
    get(target, prop) {
      if ((prop === "send" || prop === "sendBatch") && Date.now() < queueFailingUntil) {
        return () => Promise.reject(new Error("Queue send failed: injected failure for npm run load"));
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const injected = (when: string) => new Error(`D1_ERROR: injected failure (${when}) for npm run load`);

async function withFault<T>(run: () => Promise<T>): Promise<T> {
  const fault = faultNow();
  if (fault === "before") throw injected("before the call");
  const result = await run();
  if (fault === "after") throw injected("after the call committed");
  return result;
}

/** The real statement behind each wrapped one, so a batch of wrapped statements reaches D1 as it expects. */
const realStatements = new WeakMap<object, D1PreparedStatement>();

function wrapStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      if (prop === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values));
      if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
        return (...args: unknown[]) =>
          withFault(() => (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  realStatements.set(wrapped, statement);
  return wrapped;
}

function wrapDatabase(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql));
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          withFault(() => target.batch(statements.map((s) => realStatements.get(s) ?? s)));
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The consumer's batches: how many, their messages, and those committed in one D1 batch (one transaction). */
const consumer = { batches: 0, messages: 0, together: 0, togetherEvents: 0 };

// One wrapped env per real one, so requests share the Worker's per-isolate state as they would unwrapped.
const wrappedEnvs = new WeakMap<object, Env>();

export default {
  async fetch(request, env, ctx) {
    if (env.LOAD_FAULT_INJECTION !== "on") {
      return new Response("fault injection is only for npm run load", { status: 503 });
    }
    const url = new URL(request.url);
    if (url.pathname === "/__load/faults" && request.method === "POST") {
      const body = await request.json<{ failForMs: number; outage?: boolean; queueToo?: boolean }>();
      const until = Date.now() + Math.min(Math.max(0, body.failForMs), 120_000);
      failingUntil = until;
      outage = body.outage === true;
      queueFailingUntil = body.queueToo === true ? until : 0;
      return Response.json({ failingUntil: new Date(failingUntil).toISOString() });
    }
    if (url.pathname === "/__load/consumer" && request.method === "GET") return Response.json(consumer);
    if (url.pathname === "/__load/dead-letters" && request.method === "GET") {
      // How many events were dead-lettered (they must be none): read directly, not through a failing D1.
      const row = await env.DB.prepare("SELECT count(*) AS n FROM dead_letters").first<{ n: number }>();
      return Response.json({ deadLetters: row?.n ?? 0 });
    }
    return worker.fetch(request, wrappedEnv(env), ctx);
  },
  // The queue consumer sees the same failing database; its batch sizes are counted for the load report.
  async queue(batch, env) {
    if (batch.queue !== EVENTS_QUEUE_NAME) return worker.queue(batch, wrappedEnv(env));
    const { committedTogether } = await consumeEvents(batch, wrappedEnv(env).DB, env.DEAD_LETTER_QUEUE);
    consumer.batches += 1;
    consumer.messages += batch.messages.length;
    if (committedTogether > 0) {
      consumer.together += 1;
      consumer.togetherEvents += committedTogether;
    }
  },
} satisfies ExportedHandler<LoadEnv>;

function wrappedEnv(env: Env): Env {
  let wrapped = wrappedEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, DB: wrapDatabase(env.DB), EVENTS_QUEUE: wrapQueue(env.EVENTS_QUEUE) };
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped;
}
