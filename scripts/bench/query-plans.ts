// EXPLAIN QUERY PLAN for the hot queries, taken from the Worker's own SQL (src/db), never a copy: each
// query function runs against a stand-in database that records the SQL and parameters it is given.
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { RunDirectory } from "./local-worker.ts";
import { root } from "./local-worker.ts";

interface Recorded {
  sql: string;
  params: unknown[];
}

/** A D1Database stand-in: records each bound statement and answers with no rows. */
function recordingDb() {
  const recorded: Recorded[] = [];
  const statement = (sql: string) => {
    const s = {
      bind: (...params: unknown[]) => {
        recorded.push({ sql, params });
        return s;
      },
      all: async () => ({ results: [] }),
      first: async () => null,
      run: async () => ({ results: [], meta: { changes: 0 } }),
    };
    return s;
  };
  const db = {
    prepare: statement,
    batch: async (statements: unknown[]) => statements.map(() => ({ results: [], meta: { changes: 0 } })),
  };
  return { db, recorded };
}

/** The SQL with its parameters written in as literals (wrangler d1 execute --command binds nothing). */
function inline({ sql, params }: Recorded): string {
  return sql.replace(/\?(\d+)/g, (_, n: string) => {
    const value = params[Number(n) - 1];
    if (value === null || value === undefined) return "NULL";
    return typeof value === "number" ? String(value) : `'${String(value).replace(/'/g, "''")}'`;
  });
}

// The Worker's modules are TypeScript for workerd; tsx loads them here, typed loosely on purpose.
type QueryFunction = (...args: unknown[]) => Promise<unknown>;
const workerModule = async (file: string) =>
  (await import(pathToFileURL(path.join(root, "src", "db", file)).href)) as Record<string, QueryFunction>;

export interface QueryPlan {
  query: string;
  plan: string[];
}

/** The plans of check, lookup, list page, CSV page and report for `tenantId`, with `sampleEmails` as input. */
export async function hotQueryPlans(run: RunDirectory, tenantId: string, sampleEmails: string[]): Promise<QueryPlan[]> {
  const suppressions = await workerModule("suppressions.ts");
  const reports = await workerModule("reports.ts");
  const cursor = [sampleEmails[0]!, "outbound"];
  const queries: [string, (db: unknown) => Promise<unknown>][] = [
    ["check (1000 addresses)", (db) => suppressions.checkSuppressions!(db, tenantId, "outbound", sampleEmails)],
    ["lookup (one address)", (db) => suppressions.getSuppression!(db, tenantId, "outbound", sampleEmails[0])],
    ["list page (limit 50, after a cursor)", (db) => suppressions.listSuppressions!(db, tenantId, {}, 50, cursor)],
    ["CSV page (1000 rows, after a cursor)", (db) => suppressions.listSuppressions!(db, tenantId, {}, 1000, cursor)],
    [
      "report (events by day and type; suppressed count)",
      (db) => reports.bounceReport!(db, tenantId, "2026-01-01", "2026-12-31", null),
    ],
  ];
  const plans: QueryPlan[] = [];
  for (const [query, call] of queries) {
    const { db, recorded } = recordingDb();
    await call(db);
    const plan = recorded.flatMap((r) =>
      run.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${inline(r)}`).map((row) => row.detail),
    );
    plans.push({ query, plan });
  }
  return plans;
}
