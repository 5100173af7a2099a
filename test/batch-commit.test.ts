import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BatchCommitter, CommitTimeoutError } from "../src/db/batch-commit";

const waitUntil = (promise: Promise<unknown>) => void promise.catch(() => {});

/** A D1 binding that counts batch calls and can be told to fail or stall. */
function instrumentedDb(behaviour: { failWhen?: (sql: string[]) => boolean; stallCalls?: number } = {}) {
  const calls: number[] = [];
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          calls.push(statements.length);
          if (calls.length <= (behaviour.stallCalls ?? 0)) return new Promise(() => {});
          const sql = statements.map((s) => JSON.stringify(s));
          if (behaviour.failWhen?.(sql)) throw new Error("D1_ERROR: injected failure");
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, calls };
}

beforeAll(async () => {
  await env.DB.exec("CREATE TABLE IF NOT EXISTS batch_probe (id TEXT PRIMARY KEY, note TEXT NOT NULL)");
});

const insert = (id: string, note = "ok") =>
  env.DB.prepare("INSERT INTO batch_probe (id, note) VALUES (?1, ?2)").bind(id, note);
const count = async (prefix: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM batch_probe WHERE id LIKE ?1")
    .bind(`${prefix}%`)
    .first<{ n: number }>())!.n;

describe("BatchCommitter", () => {
  it("commits concurrent groups in fewer batches, and each caller learns its own commit", async () => {
    const { db, calls } = instrumentedDb();
    const committer = new BatchCommitter(db);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => committer.commit([insert(`c-${i}`), insert(`c-${i}-b`)], waitUntil)),
    );
    expect(await count("c-")).toBe(80);
    expect(calls.length).toBeLessThan(40);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(80);
  });

  it("hands each caller the results of its own statements, in order", async () => {
    const { db } = instrumentedDb();
    const committer = new BatchCommitter(db);
    await committer.commit([insert("own-0")], waitUntil);
    const upsert = (id: string) =>
      env.DB.prepare("INSERT INTO batch_probe (id, note) VALUES (?1, 'ok') ON CONFLICT DO NOTHING").bind(id);
    const read = (id: string) => env.DB.prepare("SELECT id FROM batch_probe WHERE id = ?1").bind(id);
    const [fresh, again] = await Promise.all([
      committer.commit([upsert("own-1"), read("own-1")], waitUntil),
      committer.commit([upsert("own-0"), read("own-0")], waitUntil),
    ]);
    expect(fresh!.map((r) => r.meta.changes)).toEqual([1, 0]);
    expect(fresh![1]!.results).toEqual([{ id: "own-1" }]);
    expect(again!.map((r) => r.meta.changes)).toEqual([0, 0]);
    expect(again![1]!.results).toEqual([{ id: "own-0" }]);
  });

  it("keeps batches under the statement cap", async () => {
    const { db, calls } = instrumentedDb();
    const committer = new BatchCommitter(db, { maxStatements: 10 });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        committer.commit([insert(`cap-${i}`), insert(`cap-${i}-b`), insert(`cap-${i}-c`)], waitUntil),
      ),
    );
    expect(await count("cap-")).toBe(90);
    expect(Math.max(...calls)).toBeLessThanOrEqual(10);
  });

  it("fails only the group that cannot be written; its neighbours commit", async () => {
    const { db } = instrumentedDb();
    const committer = new BatchCommitter(db);
    await committer.commit([insert("dup-1")], waitUntil);
    const results = await Promise.allSettled([
      committer.commit([insert("dup-2")], waitUntil),
      committer.commit([insert("dup-3"), insert("dup-1")], waitUntil), // violates the primary key
      committer.commit([insert("dup-4")], waitUntil),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await count("dup-")).toBe(3); // dup-1, dup-2, dup-4: dup-3 rolled back with its group
  });

  it("rejects when the database fails, so the caller can answer 5xx", async () => {
    const { db } = instrumentedDb({ failWhen: () => true });
    const committer = new BatchCommitter(db);
    await expect(committer.commit([insert("fail-1")], waitUntil)).rejects.toThrow(/injected failure/);
    expect(await count("fail-")).toBe(0);
  });

  it("gives up after its timeout when the database never answers, then carries on", async () => {
    const { db } = instrumentedDb({ stallCalls: 1 });
    const committer = new BatchCommitter(db, { timeoutMs: 50 });
    await expect(committer.commit([insert("stall-1")], waitUntil)).rejects.toBeInstanceOf(CommitTimeoutError);
    await committer.commit([insert("stall-2")], waitUntil);
    expect(await count("stall-2")).toBe(1);
  });

  it("commits a group queued in the very microtasks in which a flush runs out of work", async () => {
    // Whatever the number of microtasks between the last batch's answer and the next commit, that commit
    // is written at once; it never sits in the queue until its timeout (a needless 5xx).
    for (let hops = 0; hops < 12; hops++) {
      let next: Promise<D1Result[]> | null = null;
      let armed = true;
      const db = new Proxy(env.DB, {
        get(target, prop) {
          if (prop === "batch") {
            return async (statements: D1PreparedStatement[]) => {
              const results = await target.batch(statements);
              if (armed) {
                armed = false;
                void (async () => {
                  for (let i = 0; i < hops; i++) await null;
                  next = committer.commit([insert(`edge-${hops}-b`)], waitUntil);
                })();
              }
              return results;
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const committer = new BatchCommitter(db, { timeoutMs: 300 });
      await committer.commit([insert(`edge-${hops}-a`)], waitUntil);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await expect(next!, `a commit ${hops} microtasks after the batch`).resolves.toHaveLength(1);
    }
    expect(await count("edge-")).toBe(24);
  });
});
