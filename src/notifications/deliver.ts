// Delivering notifications from the outbox to the tenant's endpoint, signed as Standard Webhooks: retried with
// backoff by the scheduled handler until a 2xx or the give-up. Never on the webhook path (rows are committed
// there; delivery happens here), never following a redirect, never carrying the secret.
import { loadConfig } from "../config";
import { openSigningSecret, webhookSignature } from "../crypto/webhook-signature";
import {
  claimDueNotifications,
  getEndpoint,
  type Notification,
  type NotificationOutcome,
  recordNotificationOutcome,
} from "../db/notifications";
import { logError } from "../http/errors";
import { retryDelayMs } from "../sync/push";
import { endpointUrlProblem } from "./endpoint-url";

/** After this many attempts without a 2xx a notification is given up (failed): about 9 hours of retries. */
export const MAX_NOTIFICATION_ATTEMPTS = 10;
/** Each attempt's bound: the endpoint must answer (headers) within it. */
export const NOTIFICATION_TIMEOUT_MS = 5000;
/** Notifications a scheduled run claims (each a request and a D1 write: within a run's limits beside the rest), and how many it sends at once. */
const PER_RUN = 100;
const CONCURRENT_SENDS = 4;

/** A claimed notification's lease: retried after it if the run dies before recording an outcome. */
const leaseEnd = (now: Date) => new Date(now.getTime() + 10 * 60_000).toISOString();

/** The body a notification is sent with: `{type, timestamp, data}`. */
export const notificationBody = (n: Notification): string =>
  JSON.stringify({ type: n.type, timestamp: n.occurredAt, data: JSON.parse(n.data) });

type Attempt = { status: number; error: null } | { status: number | null; error: string };

/** One POST to `url`, signed with `secret`; the answer's body is not read (its status says it all). */
async function post(url: string, secret: string, n: Notification, now: Date): Promise<Attempt> {
  const body = notificationBody(n);
  const timestamp = Math.floor(now.getTime() / 1000);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "postmark-edge-notifications",
        "webhook-id": n.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await webhookSignature(secret, n.id, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(NOTIFICATION_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return {
      status: null,
      error: timedOut ? `no answer within ${NOTIFICATION_TIMEOUT_MS / 1000} s` : "the connection failed",
    };
  }
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) return { status: res.status, error: null };
  if (res.status >= 300 && res.status < 400) {
    return {
      status: res.status,
      error: `the endpoint answered a redirect (HTTP ${res.status}); redirects are not followed`,
    };
  }
  return { status: res.status, error: `the endpoint answered HTTP ${res.status}` };
}

function outcomeOf(n: Notification, attempt: Attempt, now: Date): NotificationOutcome {
  if (attempt.error === null) return { state: "delivered", status: attempt.status };
  if (n.attempts >= MAX_NOTIFICATION_ATTEMPTS) {
    return {
      state: "failed",
      status: attempt.status,
      error: `Given up after ${n.attempts} attempts: ${attempt.error}`,
    };
  }
  return {
    state: "pending",
    status: attempt.status,
    error: attempt.error,
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(n.attempts)).toISOString(),
  };
}

/** Sends claimed notifications, each to its tenant's current endpoint, and records what each came to. */
async function send(env: Env, claimed: Notification[], now: Date): Promise<void> {
  const config = await loadConfig(env);
  const endpoints = new Map<string, Promise<{ url: string; secret: string } | null>>();
  const endpointOf = (tenantId: string) => {
    let found = endpoints.get(tenantId);
    if (!found) {
      found = getEndpoint(env.DB, tenantId).then(async (e) =>
        e ? { url: e.url, secret: await openSigningSecret(config.keyring, tenantId, e.secret) } : null,
      );
      endpoints.set(tenantId, found);
    }
    return found;
  };
  const queue = [...claimed];
  const worker = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      try {
        const endpoint = await endpointOf(n.tenantId);
        let outcome: NotificationOutcome;
        if (!endpoint) {
          outcome = { state: "failed", status: null, error: "The endpoint was removed." };
        } else {
          // Checked again at each attempt: the rule (or the local switch) may have changed since it was saved.
          const problem = endpointUrlProblem(endpoint.url, config.allowPrivateSmtpHosts);
          outcome = problem
            ? { state: "failed", status: null, error: `The endpoint URL is not allowed: it ${problem}.` }
            : outcomeOf(n, await post(endpoint.url, endpoint.secret, n, now), now);
        }
        await recordNotificationOutcome(env.DB, n, outcome);
      } catch (err) {
        // E.g. the secret sealed under a key no longer configured: retried like a failed attempt, then given up.
        logError("notification delivery failed", err);
        const why = { status: null, error: "the notification could not be sent from here (see the service's log)" };
        await recordNotificationOutcome(env.DB, n, outcomeOf(n, why, now)).catch(() => {});
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_SENDS }, worker));
}

/** The scheduled handler's pass: due notifications of every tenant. */
export async function deliverDueNotifications(env: Env, now = new Date()): Promise<void> {
  const claimed = await claimDueNotifications(env.DB, now.toISOString(), PER_RUN, leaseEnd(now));
  await send(env, claimed, now);
}

/** One notification of one tenant now, if it is due (POST /v1/notifications/test). */
export async function deliverNow(env: Env, tenantId: string, id: string, now = new Date()): Promise<void> {
  const claimed = await claimDueNotifications(env.DB, now.toISOString(), 1, leaseEnd(now), { tenantId, id });
  await send(env, claimed, now);
}
