// A tenant for a run, created through the operator API, with its webhook credentials.
import type { LoopbackClient } from "./http-load.ts";

export interface BenchTenant {
  id: string;
  token: string;
  /** Path of the callback URL and the Basic header that opens it. */
  webhookPath: string;
  webhookAuth: string;
}

export async function createBenchTenant(
  client: LoopbackClient,
  adminToken: string,
  name: string,
): Promise<BenchTenant> {
  const created = await client.send({
    method: "POST",
    path: "/v1/tenants",
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (created.status !== 201) throw new Error(`creating a tenant answered ${created.status}: ${created.body}`);
  const { id, token } = JSON.parse(created.body) as { id: string; token: string };
  const webhook = await client.send({
    method: "GET",
    path: "/v1/email/webhook",
    headers: { Authorization: `Bearer ${token}` },
  });
  if (webhook.status !== 200) throw new Error(`GET /v1/email/webhook answered ${webhook.status}: ${webhook.body}`);
  const { username, password } = JSON.parse(webhook.body) as { username: string; password: string };
  return {
    id,
    token,
    webhookPath: `/webhooks/postmark/${encodeURIComponent(id)}`,
    webhookAuth: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
  };
}

export const webhookRequest = (tenant: BenchTenant, body: string) => ({
  method: "POST",
  path: tenant.webhookPath,
  headers: { Authorization: tenant.webhookAuth, "Content-Type": "application/json" },
  body,
});

export const apiRequest = (tenant: BenchTenant, method: string, path: string, json?: unknown) => ({
  method,
  path,
  headers: {
    Authorization: `Bearer ${tenant.token}`,
    ...(json === undefined ? {} : { "Content-Type": "application/json" }),
  },
  ...(json === undefined ? {} : { body: JSON.stringify(json) }),
});
