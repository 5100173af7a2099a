// The Worker as `npm run load` runs it: src/index.ts with its D1 binding wrapped, so the load run can make
// storage fail for a stretch and check that no event is lost or counted twice.
// It can never be on in production: it is not the entry point wrangler.toml deploys (that is src/index.ts),
// only `npm run load` starts it (`wrangler dev scripts/load/worker/fault-injecting-worker.ts`), and it
// refuses every request unless LOAD_FAULT_INJECTION=on, which that script passes on the command line.
import worker from "../../../src/index";

type LoadEnv = Env & { LOAD_FAULT_INJECTION?: string };

/** Until when D1 calls fail, and how: each call in the stretch fails before it runs, after it committed
 * (the answer is lost, as when a connection drops), or goes through, at random. */
let failingUntil = 0;

type Fault = "before" | "after" | null;
function faultNow(): Fault {
  if (Date.now() >= failingUntil) return null;
  const roll = Math.random();
  return roll < 0.5 ? "before" : roll < 0.75 ? "after" : null;
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

// One wrapped env per real one, so requests share the Worker's per-isolate state as they would unwrapped.
const wrappedEnvs = new WeakMap<object, Env>();

export default {
  async fetch(request, env, ctx) {
    if (env.LOAD_FAULT_INJECTION !== "on") {
      return new Response("fault injection is only for npm run load", { status: 503 });
    }
    const url = new URL(request.url);
    if (url.pathname === "/__load/faults" && request.method === "POST") {
      const { failForMs } = await request.json<{ failForMs: number }>();
      failingUntil = Date.now() + Math.min(Math.max(0, failForMs), 60_000);
      return Response.json({ failingUntil: new Date(failingUntil).toISOString() });
    }
    let wrapped = wrappedEnvs.get(env);
    if (!wrapped) {
      wrapped = { ...env, DB: wrapDatabase(env.DB) };
      wrappedEnvs.set(env, wrapped);
    }
    return worker.fetch(request, wrapped, ctx);
  },
} satisfies ExportedHandler<LoadEnv>;
