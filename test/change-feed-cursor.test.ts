// The change feed's cursor belongs to the tenant: it moves with the tenant's own changes only, and cursors handed
// out before migration 0005 keep working.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listChanges } from "../src/db/suppressions";
import { call, createTenant, type TestTenant } from "./helpers";

async function changes(tenant: TestTenant, since = "0") {
  const res = await call(`/v1/suppressions/changes?since=${since}&limit=1000`, { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json<{ items: { email: string }[]; nextSince: string }>();
}

const suppress = async (tenant: TestTenant, emails: string[]) => {
  const res = await call("/v1/suppressions", { method: "POST", token: tenant.token, json: { emails } });
  expect(res.status).toBe(200);
};

describe("the change feed cursor", () => {
  it("moves only by the tenant's own changes, whatever other tenants do", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await suppress(a, ["a1@example.com"]);
    const first = await changes(a);
    await suppress(
      b,
      Array.from({ length: 7 }, (_, i) => `b${i}@example.com`),
    );
    await suppress(a, ["a2@example.com"]);
    const second = await changes(a, first.nextSince);
    expect(second.items.map((i) => i.email)).toEqual(["a2@example.com"]);
    expect(Number(second.nextSince) - Number(first.nextSince)).toBe(1);
    // A new tenant's feed starts at its own first change.
    expect((await changes(b)).nextSince).toBe("7");
  });
});

describe("migration 0005 on rows written before it", () => {
  it("keeps old cursors valid, continues each tenant's numbering, and repairs far-future versions", async () => {
    const db = env.MIGRATION_STEPS_DB;
    const before = env.TEST_MIGRATIONS.filter((m) => m.name < "0005");
    expect(before.length).toBe(4);
    await applyD1Migrations(db, before);

    const now = "2026-11-20T10:00:00.000Z";
    await db.batch([
      db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('ta', 'A', ?1), ('tb', 'B', ?1)").bind(now),
      ...["ta:one", "tb:one", "ta:two", "tb:two", "tb:three"].map((row) => {
        const [tenant, name] = row.split(":");
        return db
          .prepare(
            `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, can_reactivate, version, updated_at)
             VALUES (?1, ?2, 'outbound', 1, 'manual', 'api', ?3, 1, ?4, ?3)`,
          )
          .bind(tenant, `${name}@example.com`, now, `2026-11-20T10:00:00.0000000Z|1|api`);
      }),
      // A reactivation stored before the fix with a version from the year 8999.
      db
        .prepare(
          `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, can_reactivate, version, updated_at)
           VALUES ('ta', 'frozen@example.com', 'outbound', 0, NULL, 'postmark', NULL, 1, '8999-12-31T00:00:00.0000000Z|0|subscription_change:x', ?1)`,
        )
        .bind(now),
      db.prepare(
        `INSERT INTO postmark_events (tenant_id, event_key, receipt_id, kind, type, effect, stream, email, occurred_at, day, received_at, payload)
           VALUES ('ta', 'bounce:1', 'r', 'bounce', 'HardBounce', 'suppress', 'outbound', 'frozen@example.com',
                   '8999-12-31T00:00:00.0000000Z', '8999-12-31', '2026-11-20T10:00:00.0000000Z', '{}')`,
      ),
    ]);
    // What the feed answered before: the global seq.
    const { results: legacy } = await db
      .prepare("SELECT seq, email FROM suppression_changes WHERE tenant_id = 'ta' ORDER BY seq")
      .all<{ seq: number; email: string }>();
    const legacyCursor = legacy[0]!.seq; // what a client of tenant A holds: A's first change, numbered globally

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    expect((await listChanges(db, "ta", 0, 100)).map((c) => c.email)).toEqual(legacy.map((c) => c.email));
    expect((await listChanges(db, "ta", legacyCursor, 100)).map((c) => c.email)).toEqual(
      legacy.slice(1).map((c) => c.email),
    );
    const lastA = legacy[legacy.length - 1]!.seq;
    const insertFor = (tenant: string, email: string) =>
      db
        .prepare(
          `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, can_reactivate, version, updated_at)
           VALUES (?1, ?2, 'outbound', 1, 'manual', 'api', ?3, 1, '2026-11-21T00:00:00.0000000Z|1|api', ?3)`,
        )
        .bind(tenant, email, now);
    await db.batch([insertFor("tb", "later-b1@example.com"), insertFor("tb", "later-b2@example.com")]);
    await insertFor("ta", "later-a@example.com").run();
    const afterA = await listChanges(db, "ta", lastA, 100);
    expect(afterA.map((c) => [c.email, c.seq])).toEqual([["later-a@example.com", lastA + 1]]);

    const frozen = await db
      .prepare("SELECT version FROM suppressions WHERE tenant_id = 'ta' AND email = 'frozen@example.com'")
      .first<{ version: string }>();
    expect(frozen!.version).toBe("2026-11-20T10:00:00.0000000Z|0|subscription_change:x");
    expect(await db.prepare("SELECT occurred_at, day FROM postmark_events WHERE tenant_id = 'ta'").first()).toEqual({
      occurred_at: "2026-11-20T10:00:00.0000000Z",
      day: "2026-11-20",
    });
  });
});
