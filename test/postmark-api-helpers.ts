// Driving the local Postmark API stand-in (scripts/lib/postmark-api/) from workerd tests, through its
// test-only control endpoints. Each test makes its own Postmark server (its own token), so files running in
// parallel never see each other's webhooks or suppressions.
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { StandInWebhook, WebhookDelivery } from "../scripts/lib/postmark-api/model";
import { configureEmail, createTenant, VALID_SETTINGS } from "./helpers";
import { consume, fetchWorker, recordingQueue } from "./postmark-helpers";

// The stand-in's own shapes (types only: nothing of the Node stand-in is bundled into workerd).
export type { StandInWebhook, WebhookDelivery } from "../scripts/lib/postmark-api/model";

export async function standIn<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(inject("postmark").url + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`stand-in ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** A new Postmark server in the stand-in: its Server API token, id and name. */
export const newPostmarkServer = (name?: string, streams?: unknown) =>
  standIn<{ token: string; id: number; name: string }>("/__standin/servers", { name, streams });

export interface Fault {
  token?: string;
  path?: string;
  status?: number;
  errorCode?: number;
  message?: string;
  delayMs?: number;
  times?: number;
}
export const injectFault = (fault: Fault) => standIn("/__standin/faults", fault);

/** The API requests that presented `token`, as "METHOD /path", oldest first. */
export const standInRequests = (token: string) =>
  standIn<string[]>(`/__standin/requests?token=${encodeURIComponent(token)}`);

export const standInState = (token: string) =>
  standIn<{
    server: { ID: number; Name: string };
    webhooks: StandInWebhook[];
    suppressions: Record<string, { EmailAddress: string; SuppressionReason: string; Origin: string }[]>;
    pending: unknown[];
  }>(`/__standin/state?token=${encodeURIComponent(token)}`);

export const webhookDeliveries = (token: string) =>
  standIn<WebhookDelivery[]>(`/__standin/deliveries?token=${encodeURIComponent(token)}`);

/**
 * Posts what the stand-in would have delivered into the Worker (workerd tests cannot be reached by URL),
 * with the Basic credentials the webhook carried, and runs the queue consumer on what each post queued (so
 * the event is committed when this returns). Returns the Worker's statuses.
 */
export async function replayDeliveries(deliveries: WebhookDelivery[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const d of deliveries) {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (d.username !== null || d.password !== null) {
      headers.Authorization = `Basic ${btoa(`${d.username ?? ""}:${d.password ?? ""}`)}`;
    }
    const queue = recordingQueue();
    const res = await fetchWorker(new Request(d.url, { method: "POST", headers, body: d.body }), {
      ...env,
      EVENTS_QUEUE: queue,
    });
    await res.arrayBuffer();
    statuses.push(res.status);
    if (queue.sent.length > 0 && (await consume(queue.sent)).explicitAcks.length !== queue.sent.length)
      throw new Error("the queue consumer did not commit a replayed delivery");
  }
  return statuses;
}

/** A tenant connected to a Postmark server of its own in the stand-in (settings saved with its token). */
export async function connectedTenant(settings: Record<string, unknown> = {}) {
  const tenant = await createTenant();
  const postmark = await newPostmarkServer(`Server of ${tenant.name}`);
  const saved = await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: postmark.token, ...settings });
  return { tenant, postmark, saved };
}
