import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findSuppression } from "../src/db/suppressions";
import { csvField } from "../src/http/suppressions-csv";
import * as fx from "./fixtures/postmark-events";
import { call, createTenant, expectError, type TestTenant } from "./helpers";
import { createTenantWithWebhook, deliver, report, suppressionOf } from "./postmark-helpers";

const add = (tenant: TestTenant, json: unknown) =>
  call("/v1/suppressions", { method: "POST", token: tenant.token, json });
const list = async (tenant: TestTenant, query = "") => {
  const res = await call(`/v1/suppressions${query}`, { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json<{ items: Record<string, unknown>[]; nextCursor: string | null }>();
};

/** Inserts `n` suppressions directly, for paging tests. */
async function seed(tenantId: string, n: number, stream = "outbound") {
  const emails = Array.from({ length: n }, (_, i) => `user${String(i).padStart(4, "0")}@example.com`);
  await env.DB.prepare(
    `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, can_reactivate, version, updated_at)
     SELECT ?1, value, ?2, 1, 'manual', 'api', '2026-01-01T00:00:00.000Z', 1, '2026-01-01', '2026-01-01T00:00:00.000Z' FROM json_each(?3)`,
  )
    .bind(tenantId, stream, JSON.stringify(emails))
    .run();
  return emails;
}

describe("add and look up", () => {
  it("adds addresses by hand, normalised, counting only the newly suppressed", async () => {
    const tenant = await createTenant();
    const res = await add(tenant, { emails: ["A@Example.com", " b@example.com", "a@example.COM"] });
    expect(await res.json()).toEqual({ added: 2, postmark: null });
    expect(await (await add(tenant, { emails: ["a@example.com", "c@example.com"] })).json()).toEqual({
      added: 1,
      postmark: null,
    });
    expect(await suppressionOf(tenant, "A@EXAMPLE.COM")).toEqual({
      email: "a@example.com",
      stream: "outbound",
      reason: "manual",
      origin: "api",
      suppressedAt: expect.stringMatching(/Z$/),
      canReactivate: true,
    });
    expect(
      await (await add(tenant, { emails: ["d@example.com"], stream: "broadcast", reason: "unsubscribe" })).json(),
    ).toEqual({ added: 1, postmark: null });
    expect(await suppressionOf(tenant, "d@example.com")).toBeNull();
    expect(await suppressionOf(tenant, "d@example.com", "broadcast")).toMatchObject({ reason: "unsubscribe" });
    // The test-send feature's lookup sees the same list.
    expect(await findSuppression(env.DB, tenant.id, "outbound", " C@example.com")).toEqual({ reason: "manual" });
    expect(await findSuppression(env.DB, tenant.id, "outbound", "d@example.com")).toBeNull();
  });

  it("does not overwrite a Postmark suppression with a manual one", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.spamComplaint);
    expect(await (await add(tenant, { emails: ["complainer@example.com"] })).json()).toEqual({
      added: 0,
      postmark: null,
    });
    expect(await suppressionOf(tenant, "complainer@example.com")).toMatchObject({
      reason: "spam_complaint",
      origin: "postmark",
    });
  });

  it("validates what is added", async () => {
    const tenant = await createTenant();
    const cases: [unknown, string][] = [
      [{}, "emails"],
      [{ emails: [] }, "emails"],
      [{ emails: "a@example.com" }, "emails"],
      [{ emails: ["not-an-address"] }, "emails.0"],
      [{ emails: ["a@example.com\r\nBcc: x@y.z"] }, "emails.0"],
      [{ emails: [42] }, "emails.0"],
      [{ emails: Array.from({ length: 1001 }, (_, i) => `u${i}@example.com`) }, "emails"],
      [{ emails: ["a@example.com"], stream: "no spaces" }, "stream"],
      [{ emails: ["a@example.com"], reason: "spam_complaint" }, "reason"],
    ];
    for (const [json, field] of cases) {
      const error = await expectError(await add(tenant, json), 400, "validation_failed");
      expect(Object.keys(error.fields!), JSON.stringify(json).slice(0, 80)).toContain(field);
    }
    await expectError(
      await call("/v1/suppressions", {
        method: "POST",
        token: tenant.token,
        body: "[]",
        headers: { "Content-Type": "application/json" },
      }),
      400,
      "invalid_json",
    );
    expect((await list(tenant)).items).toEqual([]);
  });

  it("takes a URL-encoded address in the path", async () => {
    const tenant = await createTenant();
    await add(tenant, { emails: ["o'hara+news/x@example.com"] });
    const res = await call(`/v1/suppressions/${encodeURIComponent("O'Hara+News/X@Example.com")}`, {
      token: tenant.token,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: "o'hara+news/x@example.com" });
    await expectError(await call("/v1/suppressions/%E0%A4%A", { token: tenant.token }), 404, "not_found");
    await expectError(
      await call("/v1/suppressions/a@example.com?stream=bad%20stream", { token: tenant.token }),
      400,
      "validation_failed",
    );
  });
});

describe("check", () => {
  it("answers which of up to 1000 addresses are suppressed, in one query", async () => {
    const tenant = await createTenant();
    const emails = await seed(tenant.id, 600);
    const asked = [
      ...emails.slice(0, 300).map((e) => e.toUpperCase()),
      ...Array.from({ length: 700 }, (_, i) => `other${i}@example.com`),
    ];
    const res = await call("/v1/suppressions/check", { method: "POST", token: tenant.token, json: { emails: asked } });
    expect(res.status).toBe(200);
    const body = await res.json<{ suppressed: { email: string; reason: string }[] }>();
    expect(body.suppressed).toHaveLength(300);
    expect(body.suppressed[0]).toEqual({ email: "user0000@example.com", reason: "manual" });

    const other = await call("/v1/suppressions/check", {
      method: "POST",
      token: tenant.token,
      json: { emails: emails.slice(0, 5), stream: "broadcast" },
    });
    expect(await other.json()).toEqual({ suppressed: [] });
    await expectError(
      await call("/v1/suppressions/check", {
        method: "POST",
        token: tenant.token,
        json: { emails: [...asked, "x@example.com"] },
      }),
      400,
      "validation_failed",
    );
    await expectError(
      await call("/v1/suppressions/check", { method: "POST", token: tenant.token, json: { emails: [null] } }),
      400,
      "validation_failed",
    );
  });
});

describe("list", () => {
  it("pages through every suppression once, in a stable order, with filters", async () => {
    const tenant = await createTenant();
    const emails = await seed(tenant.id, 120);
    await seed(tenant.id, 3, "broadcast");

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(tenant, `?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      seen.push(...page.items.map((i) => `${i.email} ${i.stream}`));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(seen).toHaveLength(123);
    expect(new Set(seen).size).toBe(123);
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBe(3);

    expect((await list(tenant)).items).toHaveLength(50);
    expect((await list(tenant, "?stream=broadcast")).items).toHaveLength(3);
    expect((await list(tenant, "?email=USER011")).items.map((i) => i.email)).toEqual(emails.slice(110, 120));
    expect((await list(tenant, "?reason=hard_bounce")).items).toEqual([]);
    expect((await list(tenant, "?limit=1000")).items).toHaveLength(123);
  });

  it("pages across addresses in any script", async () => {
    const tenant = await createTenantWithWebhook();
    const emails = ["ő@example.com", "李@example.com", "zoë@example.com"];
    for (const [i, email] of emails.entries()) await deliver(tenant, fx.bounce(i + 1, email, "2026-04-01T10:00:00Z"));
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(tenant, `?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((i) => i.email));
      cursor = page.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(seen).toEqual([...emails].sort());
  });

  it("answers 400 to a bad cursor, limit or reason", async () => {
    const tenant = await createTenant();
    for (const query of [
      "?cursor=nope",
      `?cursor=${btoa("[1,2]")}`,
      "?limit=0",
      "?limit=1001",
      "?limit=ten",
      "?limit=-5",
      "?reason=bounced",
      "?stream=a%20b",
    ]) {
      await expectError(await call(`/v1/suppressions${query}`, { token: tenant.token }), 400, "validation_failed");
    }
  });
});

describe("reactivate", () => {
  it("reactivates (204), then 404; a spam complaint is 409 and stays", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.hardBounce);
    await deliver(tenant, fx.spamComplaint);
    const del = (email: string) =>
      call(`/v1/suppressions/${encodeURIComponent(email)}`, { method: "DELETE", token: tenant.token });

    expect((await del(" HARD.bounce@example.com")).status).toBe(204);
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toBeNull();
    await expectError(await del("hard.bounce@example.com"), 404, "not_found");
    await expectError(await del("never-seen@example.com"), 404, "not_found");
    await expectError(await del("complainer@example.com"), 409, "cannot_reactivate");
    expect(await suppressionOf(tenant, "complainer@example.com")).toMatchObject({ reason: "spam_complaint" });
    expect((await report(tenant)).suppressed).toBe(1);

    // A new bounce after the reactivation suppresses again.
    await deliver(tenant, fx.bounce(5, "hard.bounce@example.com", new Date().toISOString()));
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });
  });
});

describe("CSV export", () => {
  it("names the export after the day and the filters, with nothing unsafe in the header", async () => {
    const tenant = await createTenant();
    const today = new Date().toISOString().slice(0, 10);
    const plain = await call("/v1/suppressions.csv", { token: tenant.token });
    expect(plain.headers.get("Content-Disposition")).toBe(`attachment; filename="suppressions-${today}.csv"`);
    const filtered = await call(
      `/v1/suppressions.csv?${new URLSearchParams({ reason: "hard_bounce", email: 'Ex "a;mple.com' })}`,
      { token: tenant.token },
    );
    expect(filtered.headers.get("Content-Disposition")).toBe(
      `attachment; filename="suppressions-${today}-hard_bounce-matching-ex_a_mple.com.csv"`,
    );
  });

  it("streams every suppression with a header row, escaped", async () => {
    const tenant = await createTenant();
    await seed(tenant.id, 2500);
    await add(tenant, { emails: ["=cmd@example.com", "-x@example.com"] });
    const res = await call("/v1/suppressions.csv", { token: tenant.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/csv/);
    expect(res.headers.get("Content-Disposition")).toMatch(/attachment/);
    const lines = (await res.text()).split("\r\n");
    expect(lines[0]).toBe("email,stream,reason,origin,suppressed_at,bounce_type");
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(2 + 2500 + 2);
    expect(lines[1]).toMatch(/^'-x@example.com,outbound,manual,api,\d{4}-.*Z,$/);
    expect(lines[2]).toMatch(/^'=cmd@example.com,/);
    expect(new Set(lines).size).toBe(lines.length);

    const filtered = await (await call("/v1/suppressions.csv?email=user2499", { token: tenant.token })).text();
    expect(filtered.split("\r\n").filter(Boolean)).toHaveLength(2);
  });

  it("escapes fields", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    for (const risky of ["=1+1", "+1", "-1", "@SUM(A1)"]) expect(csvField(risky)).toBe(`'${risky}`);
    expect(csvField('=HYPERLINK("x",1)')).toBe('"\'=HYPERLINK(""x"",1)"');
  });
});

describe("change feed", () => {
  it("lists each change of state once, oldest first, from where the reader left off", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.hardBounce);
    await deliver(tenant, fx.hardBounce, "duplicate");
    await add(tenant, { emails: ["manual@example.com"] });
    await call("/v1/suppressions/hard.bounce@example.com", { method: "DELETE", token: tenant.token });

    const res = await call("/v1/suppressions/changes", { token: tenant.token });
    const feed = await res.json<{ items: Record<string, unknown>[]; nextSince: string }>();
    expect(feed.items).toEqual([
      {
        email: "hard.bounce@example.com",
        stream: "outbound",
        suppressed: true,
        reason: "hard_bounce",
        changedAt: expect.any(String),
      },
      {
        email: "manual@example.com",
        stream: "outbound",
        suppressed: true,
        reason: "manual",
        changedAt: expect.any(String),
      },
      {
        email: "hard.bounce@example.com",
        stream: "outbound",
        suppressed: false,
        reason: "hard_bounce",
        changedAt: expect.any(String),
      },
    ]);
    const next = await (await call(`/v1/suppressions/changes?since=${feed.nextSince}`, { token: tenant.token })).json<{
      items: unknown[];
      nextSince: string;
    }>();
    expect(next).toEqual({ items: [], nextSince: feed.nextSince });
    const paged = await (await call("/v1/suppressions/changes?limit=2", { token: tenant.token })).json<{
      items: unknown[];
      nextSince: string;
    }>();
    expect(paged.items).toHaveLength(2);
    await expectError(
      await call("/v1/suppressions/changes?since=abc", { token: tenant.token }),
      400,
      "validation_failed",
    );
  });
});

describe("bounce report", () => {
  it("defaults to the last 30 days and validates dates", async () => {
    const tenant = await createTenant();
    const r = await report(tenant, "");
    expect(r).toMatchObject({ total: 0, byType: {}, spamComplaints: 0, suppressed: 0 });
    expect(r.to).toBe(new Date().toISOString().slice(0, 10));
    expect(r.byDay).toHaveLength(30);
    expect((await report(tenant, "from=2026-02-27&to=2026-03-02T10:00:00-05:00")).byDay.map((d) => d.date)).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
      "2026-03-02",
    ]);

    for (const [query, field] of [
      ["from=yesterday", "from"],
      ["to=2026-02-30", "to"],
      ["from=2026-03-02&to=2026-03-01", "from"],
      ["from=2024-01-01&to=2026-01-01", "from"],
      ["stream=a%20b", "stream"],
      ["from=2026-13-01", "from"],
    ]) {
      const error = await expectError(
        await call(`/v1/reports/bounces?${query}`, { token: tenant.token }),
        400,
        "validation_failed",
      );
      expect(Object.keys(error.fields!)).toContain(field);
    }
  });

  it("filters by stream", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.hardBounce);
    await deliver(tenant, fx.broadcastSpamChange);
    await deliver(
      tenant,
      JSON.stringify({
        RecordType: "Bounce",
        MessageStream: "broadcast",
        ID: 9,
        Type: "SoftBounce",
        Email: "b@example.com",
        BouncedAt: "2026-03-05T00:00:00Z",
      }),
    );
    expect(await report(tenant, "from=2026-03-01&to=2026-03-31&stream=broadcast")).toMatchObject({
      total: 1,
      byType: { SoftBounce: 1 },
      suppressed: 1,
    });
    expect(await report(tenant, "from=2026-03-01&to=2026-03-31&stream=outbound")).toMatchObject({
      total: 1,
      byType: { HardBounce: 1 },
      suppressed: 1,
    });
    expect(await report(tenant, "from=2026-03-01&to=2026-03-31")).toMatchObject({ total: 2, suppressed: 2 });
  });
});
