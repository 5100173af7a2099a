import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import openapi from "../src/generated/openapi.json";
import { handleError } from "../src/http/errors";
import { ADMIN_TOKEN, call, createTenant, expectError } from "./helpers";

describe("service routes", () => {
  it("GET /health answers ok", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("GET /openapi.json describes every route the Worker serves", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    const served = app.routes
      .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1")}`);
    const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(new Set(described)).toEqual(new Set(served));
    expect(openapi.paths["/v1/email/settings"].put.requestBody).toBeDefined();
  });
});

describe("errors", () => {
  it("answers unknown routes with 404 in the error shape", async () => {
    await expectError(await call("/nope"), 404, "not_found");
    await expectError(await call("/v1/nope", { token: ADMIN_TOKEN }), 404, "not_found");
  });

  it("answers bodies over 1 MiB with 413, with and without Content-Length", async () => {
    const tenant = await createTenant();
    const big = JSON.stringify({ fromEmail: "a@b.example", fromName: "x".repeat(1024 * 1024) });
    await expectError(
      await call("/v1/email/settings", {
        method: "PUT",
        token: tenant.token,
        body: big,
        headers: { "Content-Type": "application/json" },
      }),
      413,
      "payload_too_large",
    );

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("x".repeat(100 * 1024)));
        controller.close();
      },
    });
    const res = await call("/v1/tenants", {
      method: "POST",
      token: ADMIN_TOKEN,
      body: chunks,
      headers: { "Content-Type": "application/json" },
      duplex: "half",
    } as RequestInit);
    await expectError(res, 413, "payload_too_large");
  });

  it("sets security headers", async () => {
    const res = await call("/health");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
  });
});

describe("CORS", () => {
  it("allows the configured dashboard origin, and no other", async () => {
    const preflight = (origin: string) =>
      call("/v1/email/settings", {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      });
    const allowed = await preflight("https://dashboard.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://dashboard.example");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");

    const denied = await preflight("https://evil.example");
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("the error handler", () => {
  it("keeps an HTTPException's own response headers, such as a WWW-Authenticate challenge", async () => {
    const challenge = 'Bearer realm="example", error="invalid_token"';
    const probe = new Hono()
      .get("/", () => {
        throw new HTTPException(401, { res: new Response("no", { headers: { "WWW-Authenticate": challenge } }) });
      })
      .onError(handleError);
    const res = await probe.request("/");
    const error = await expectError(res, 401, "unauthorized");
    expect(error.message).not.toBe("no");
    expect(res.headers.get("WWW-Authenticate")).toBe(challenge);
  });
});
