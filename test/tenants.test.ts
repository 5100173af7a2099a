import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, configureEmail, createTenant, expectError } from "./helpers";

describe("operator: tenants", () => {
  it("creates a tenant and shows its token once", async () => {
    const res = await call("/v1/tenants", { method: "POST", token: ADMIN_TOKEN, json: { name: "Acme" } });
    expect(res.status).toBe(201);
    const body = await res.json<{ id: string; name: string; token: string }>();
    expect(body.name).toBe("Acme");
    expect(body.token).toMatch(/^pet_[A-Za-z0-9_-]{43}$/); // 256 random bits

    const list = await call("/v1/tenants", { token: ADMIN_TOKEN });
    const { items } = await list.json<{ items: Record<string, unknown>[] }>();
    const listed = items.find((t) => t.id === body.id);
    expect(listed).toEqual({ id: body.id, name: "Acme", createdAt: expect.any(String) });
    expect(JSON.stringify(items)).not.toContain(body.token);
  });

  it("stores only a hash of the token", async () => {
    const tenant = await createTenant();
    const { results } = await env.DB.prepare("SELECT * FROM tenant_tokens WHERE tenant_id = ?").bind(tenant.id).all();
    expect(results).toHaveLength(1);
    expect(JSON.stringify(results)).not.toContain(tenant.token);
    expect(results[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses operator routes without the admin token, or with a tenant token", async () => {
    const tenant = await createTenant();
    await expectError(await call("/v1/tenants"), 401, "unauthorized");
    await expectError(await call("/v1/tenants", { token: "wrong-admin-token-0123456789" }), 401, "unauthorized");
    await expectError(await call("/v1/tenants", { token: tenant.token }), 401, "unauthorized");
    await expectError(
      await call("/v1/tenants", { method: "POST", token: tenant.token, json: { name: "x" } }),
      401,
      "unauthorized",
    );
  });

  it("validates the tenant name", async () => {
    for (const json of [{}, { name: "" }, { name: 42 }, { name: "two\nlines" }, { name: "x".repeat(201) }]) {
      const error = await expectError(
        await call("/v1/tenants", { method: "POST", token: ADMIN_TOKEN, json }),
        400,
        "validation_failed",
      );
      expect(Object.keys(error.fields!)).toEqual(["name"]);
    }
  });

  it("issues more tokens; each works until revoked", async () => {
    const tenant = await createTenant();
    const res = await call(`/v1/tenants/${tenant.id}/tokens`, { method: "POST", token: ADMIN_TOKEN });
    expect(res.status).toBe(201);
    const second = await res.json<{ token: string; id: string }>();
    expect(second.token).not.toBe(tenant.token);

    for (const token of [tenant.token, second.token]) {
      await expectError(await call("/v1/email/settings", { token }), 404, "not_configured");
    }

    const revoke = await call(`/v1/tenants/${tenant.id}/tokens/${second.id}`, { method: "DELETE", token: ADMIN_TOKEN });
    expect(revoke.status).toBe(204);
    await expectError(await call("/v1/email/settings", { token: second.token }), 401, "unauthorized");
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");

    const tokens = await (await call(`/v1/tenants/${tenant.id}/tokens`, { token: ADMIN_TOKEN })).json<{
      items: { id: string; revokedAt: string | null }[];
    }>();
    expect(tokens.items.find((t) => t.id === second.id)?.revokedAt).toEqual(expect.any(String));
    expect(JSON.stringify(tokens)).not.toContain(tenant.token);
  });

  it("answers 404 for tokens of an unknown tenant", async () => {
    await expectError(await call("/v1/tenants/nope/tokens", { method: "POST", token: ADMIN_TOKEN }), 404, "not_found");
  });

  it("cannot revoke another tenant's token through the wrong tenant id", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const issued = await (await call(`/v1/tenants/${b.id}/tokens`, { method: "POST", token: ADMIN_TOKEN })).json<{
      id: string;
      token: string;
    }>();
    await expectError(
      await call(`/v1/tenants/${a.id}/tokens/${issued.id}`, { method: "DELETE", token: ADMIN_TOKEN }),
      404,
      "not_found",
    );
    await configureEmail(b);
    expect((await call("/v1/email/settings", { token: issued.token })).status).toBe(200);
  });
});

describe("tenant auth", () => {
  it("answers 401 for missing, malformed, wrong and revoked tokens", async () => {
    const tenant = await createTenant();
    const attempts: (Record<string, string> | undefined)[] = [
      undefined,
      { Authorization: "" },
      { Authorization: "Bearer" },
      { Authorization: `Basic ${btoa("a:b")}` },
      { Authorization: `Bearer ${tenant.token}x` },
      { Authorization: `Bearer pet_${"A".repeat(43)}` },
      { Authorization: `Bearer ${ADMIN_TOKEN}` },
    ];
    for (const headers of attempts) {
      await expectError(await call("/v1/email/settings", { headers }), 401, "unauthorized");
    }
  });
});
