// Shared helpers: call the Worker as a client would, and create tenants through the operator API.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";

export const ADMIN_TOKEN = env.ADMIN_TOKEN;
export const ORIGIN = "https://edge.test";

type JsonInit = Omit<RequestInit, "body"> & { json?: unknown; body?: BodyInit | null; token?: string };

/** Sends a request to the Worker; `json` is serialised, `token` becomes a Bearer header. */
export function call(path: string, init: JsonInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(ORIGIN + path, { ...init, headers, body }));
}

export interface TestTenant {
  id: string;
  name: string;
  token: string;
}

let tenantCounter = 0;

/** A fresh tenant for one test, so tests never share state. */
export async function createTenant(name = `Tenant ${++tenantCounter}`): Promise<TestTenant> {
  const res = await call("/v1/tenants", { method: "POST", token: ADMIN_TOKEN, json: { name } });
  expect(res.status).toBe(201);
  return res.json();
}

export const VALID_SETTINGS = {
  provider: "postmark",
  fromEmail: "news@acme.example",
  fromName: "Acme News",
  apiKey: "0f0e0d0c-1111-2222-3333-44445555a1b2",
};

export async function configureEmail(tenant: TestTenant, settings: Record<string, unknown> = VALID_SETTINGS) {
  const res = await call("/v1/email/settings", { method: "PUT", token: tenant.token, json: settings });
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown>>();
}

/** The tenant's email_settings row as stored (sealed key and all), or null. */
export async function storedRow(tenantId: string) {
  return env.DB.prepare("SELECT * FROM email_settings WHERE tenant_id = ?")
    .bind(tenantId)
    .first<Record<string, unknown>>();
}

/** Asserts the API's error shape and returns the error object. */
export async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
  const body = await res.json<{ error: { code: string; message: string; fields?: Record<string, string> } }>();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}
