// @ts-check
// The JSON API, called as an external dashboard would: with the tenant's access token, kept in
// sessionStorage (this tab only). Every failure becomes an ApiFailure carrying the API's own error shape
// ({"error": {"code", "message", "fields"?}}), or words of ours when the answer was not the API's.

const TOKEN_KEY = "postmark-edge.token";

/** The token this tab signed in with, or null. */
export const currentToken = () => sessionStorage.getItem(TOKEN_KEY);

/** @param {string} token */
export const saveToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);

export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** @type {() => void} */
let tokenRejected = () => {};

/** What to do when the API stops accepting the session's token (revoked): set once by the entry module. */
export function onTokenRejected(/** @type {() => void} */ handler) {
  tokenRejected = handler;
}

export class ApiFailure extends Error {
  /**
   * @param {number} status the HTTP status; 0 when the service could not be reached
   * @param {string} code the API's error code, or ours (`network_error`, `http_<status>`, `invalid_response`)
   * @param {string} message words for the user
   * @param {Record<string, string>} [fields] per-field problems of a `validation_failed`
   */
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields ?? {};
  }
}

/**
 * The ApiFailure a request ended with. Anything else is a bug in the dashboard: it is thrown again, so it
 * surfaces as a page error instead of being shown as if the service had said it.
 * @param {unknown} error
 */
export function failureOf(error) {
  if (error instanceof ApiFailure) return error;
  throw error;
}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [json] a body, sent as JSON
 * @property {string | null} [bearer] the token to send: the session's unless another is being tried
 */

/**
 * Calls the API and returns its answer when it is a success (2xx).
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<Response>}
 */
async function request(path, { method = "GET", json, bearer = currentToken() } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${bearer}` };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  } catch {
    throw new ApiFailure(0, "network_error", "Could not reach the service: check your connection and try again.");
  }
  if (res.ok) return res;

  /** @type {{ code?: string, message?: string, fields?: Record<string, string> } | undefined} */
  let error;
  try {
    error = (await res.json()).error;
  } catch {
    // not the API's JSON error shape (a proxy or the platform answered)
  }
  const failure = new ApiFailure(
    res.status,
    error?.code ?? `http_${res.status}`,
    error?.message ?? `The service answered ${res.status} ${res.statusText}: try again in a moment.`,
    error?.fields,
  );
  if (res.status === 401 && bearer === currentToken()) tokenRejected();
  throw failure;
}

/**
 * Calls the API and reads its JSON answer. The type is what the route answers (README, /openapi.json).
 * @template T
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<T>}
 */
async function requestJson(path, options) {
  const res = await request(path, options);
  try {
    return await res.json();
  } catch {
    throw new ApiFailure(res.status, "invalid_response", "The service answered something unexpected: try again.");
  }
}

// ── What the dashboard reads from the API ─────────────────────────────────────────────────────────────

/**
 * @typedef {object} LastTest the outcome of the last test email
 * @property {boolean} ok
 * @property {string | null} code the error code when it failed
 * @property {string} to
 * @property {string} at ISO timestamp
 */

/**
 * @typedef {object} EmailSettings GET/PUT /v1/email/settings
 * @property {string} provider
 * @property {string} host
 * @property {number} port
 * @property {string} fromEmail
 * @property {string | null} fromName
 * @property {string} messageStream
 * @property {{ set: boolean, last4: string | null }} apiKey the key itself is write-only
 * @property {LastTest | null} lastTest
 * @property {PostmarkVerification} postmark what Postmark said of the token when it was saved
 */

/**
 * @typedef {object} PostmarkVerification
 * @property {boolean} verified
 * @property {string | null} serverName
 * @property {number | null} serverId
 * @property {string | null} checkedAt null when never checked
 * @property {string} [reason] why it is not verified
 */

/**
 * @typedef {object} PostmarkConnection GET /v1/email/postmark
 * @property {boolean} reachable whether Postmark answered
 * @property {string} [reason] why it could not be asked, or what it refused
 * @property {PostmarkVerification} verification
 * @property {{ id: number, name: string | null } | null} server
 * @property {{ id: string, name: string, type: string }[] | null} streams the outbound streams; null when unknown
 * @property {{ installed: boolean | null, webhookId: number | null, stream: string, url: string }} webhook
 *   installed null: unknown (Postmark not reachable and not installed from here)
 * @property {string} messageStream
 */

/**
 * @typedef {{ updated: true, webhookId: number } | { updated: false, webhookId: null, reason: string }} RotatedInPostmark
 */

/**
 * @typedef {object} EmailSettingsInput the body of PUT /v1/email/settings; a value the user typed that is
 *   not of the right type is sent as typed, so that the API names the problem
 * @property {string} provider
 * @property {string} host
 * @property {number | string} port
 * @property {string} fromEmail
 * @property {string | null} fromName
 * @property {string} messageStream
 * @property {string} [apiKey] left out to keep the saved key
 */

/**
 * @typedef {{ ok: true, to: string, from: string, host: string, port: number, tls: boolean, elapsedMs: number }
 *   | { ok: false, error: { code: string, message: string, hint: string } }} TestOutcome POST /v1/email/test
 */

/** @typedef {{ urlWithCredentials: string }} Webhook GET /v1/email/webhook */

/** @typedef {Webhook & { postmark: RotatedInPostmark }} RotatedWebhook POST /v1/email/webhook/rotate */

/**
 * @typedef {object} BounceReport GET /v1/reports/bounces
 * @property {string} from the first day (YYYY-MM-DD), the API's default when none was asked for
 * @property {string} to the last day
 * @property {number} total
 * @property {Record<string, number>} byType bounces per Postmark bounce type
 * @property {ReportDay[]} byDay every day from `from` to `to`, in order
 * @property {number} spamComplaints
 * @property {number} suppressed addresses suppressed now
 * @property {number | null} sent what Postmark sent in the range; null: see ratesReason
 * @property {number | null} bounceRate percent of sent
 * @property {number | null} complaintRate percent of sent
 * @property {string | null} ratesReason why there are no rates
 */

/**
 * @typedef {object} ReportDay
 * @property {string} date
 * @property {number} count bounces
 * @property {number} complaints spam complaints
 * @property {number | null} sent what Postmark sent that day
 * @property {number | null} bounceRate percent of sent
 * @property {number | null} complaintRate percent of sent
 */

/**
 * @typedef {object} Suppression an address on the list
 * @property {string} email
 * @property {string} stream
 * @property {string} reason
 * @property {"postmark" | "api"} origin
 * @property {string} suppressedAt
 * @property {string} [bounceType]
 * @property {string} [details]
 * @property {boolean} canReactivate
 * @property {Push} [postmark] the push to Postmark of the change made here, when this state was made here
 */

/**
 * @typedef {object} Push a local change pushed to Postmark (GET /v1/suppressions/{email}/postmark)
 * @property {"create" | "delete"} action
 * @property {"pending" | "done" | "failed" | "superseded"} state
 * @property {string} [message] Postmark's message, or the last error of a pending push
 * @property {number} attempts
 * @property {string} requestedAt
 * @property {string} [nextAttemptAt]
 */

/** @typedef {{ email: string, state: "pending" | "done" | "failed", message?: string }} PushReport */

/**
 * @typedef {object} ImportResult POST /v1/suppressions/import
 * @property {string} stream
 * @property {number} seen
 * @property {number} added
 * @property {number} alreadySuppressed
 * @property {number} skipped

/** @typedef {{ items: Suppression[], nextCursor: string | null }} SuppressionPage GET /v1/suppressions */

// ── The routes ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Tries a token before it is saved: any tenant route proves it, and "not configured yet" is an answer too.
 * Throws the ApiFailure (`unauthorized` for a token the API does not take).
 */
export async function tryToken(/** @type {string} */ token) {
  try {
    await request("/v1/email/settings", { bearer: token });
  } catch (error) {
    if (failureOf(error).code !== "not_configured") throw error;
  }
}

/** @returns {Promise<EmailSettings>} */
export const getSettings = () => requestJson("/v1/email/settings");

/** @returns {Promise<EmailSettings>} */
export const saveSettings = (/** @type {EmailSettingsInput} */ settings) =>
  requestJson("/v1/email/settings", { method: "PUT", json: settings });

/** @returns {Promise<TestOutcome>} */
export const sendTestEmail = (/** @type {{ to: string, toName?: string }} */ recipient) =>
  requestJson("/v1/email/test", { method: "POST", json: recipient });

/** @returns {Promise<Webhook>} */
export const getWebhook = () => requestJson("/v1/email/webhook");

/**
 * New callback credentials; the old ones keep working for `overlapHours` (0: they stop at once).
 * @returns {Promise<RotatedWebhook>}
 */
export const rotateWebhook = (/** @type {number} */ overlapHours) =>
  requestJson("/v1/email/webhook/rotate", { method: "POST", json: { overlapHours } });

/** @returns {Promise<PostmarkConnection>} */
export const getPostmarkConnection = () => requestJson("/v1/email/postmark");

/**
 * @typedef {object} Installed POST /v1/email/webhook/install
 * @property {number} webhookId
 * @property {string} stream
 * @property {boolean} created
 * @property {{ seen: number, added: number } | { failed: string }} import the one import that installing runs
 */

/** @returns {Promise<Installed>} */
export const installWebhook = () => requestJson("/v1/email/webhook/install", { method: "POST" });

/** @returns {Promise<{ installed: false, stream: string, removedWebhookIds: number[] }>} */
export const uninstallWebhook = () => requestJson("/v1/email/webhook/install", { method: "DELETE" });

/** @returns {Promise<BounceReport>} */
export const getBounceReport = (/** @type {URLSearchParams} */ query) => requestJson(`/v1/reports/bounces?${query}`);

/** @returns {Promise<SuppressionPage>} */
export const listSuppressions = (/** @type {URLSearchParams} */ query) => requestJson(`/v1/suppressions?${query}`);

/**
 * The list as CSV, with the same filters as `listSuppressions`, read whole, and the file name the API gives it.
 * @returns {Promise<{ filename: string, blob: Blob }>}
 */
export async function exportSuppressions(/** @type {URLSearchParams} */ query) {
  const res = await request(`/v1/suppressions.csv?${query}`);
  const filename =
    /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "suppressions.csv";
  try {
    return { filename, blob: await res.blob() };
  } catch {
    // The file is streamed: the connection can break after the answer started.
    throw new ApiFailure(0, "network_error", "The download broke off: try again.");
  }
}

/**
 * Adds addresses by hand; `postmark` is each added address's push to Postmark (null without Postmark settings).
 * @returns {Promise<{ added: number, postmark: PushReport[] | null }>}
 */
export const addSuppressions = (/** @type {string[]} */ emails) =>
  requestJson("/v1/suppressions", { method: "POST", json: { emails } });

/**
 * Takes an address off the list of one stream (the API answers 204), and says how that reached Postmark: the
 * Postmark-Sync header, "done", "pending", "failed" or "off" (no Postmark settings).
 * @returns {Promise<string>}
 */
export const reactivate = async (/** @type {string} */ email, /** @type {string} */ stream) => {
  const res = await request(`/v1/suppressions/${encodeURIComponent(email)}?${new URLSearchParams({ stream })}`, {
    method: "DELETE",
  });
  return res.headers.get("Postmark-Sync") ?? "off";
};

/** @returns {Promise<Push & { email: string, stream: string }>} */
export const getPush = (/** @type {string} */ email, /** @type {string} */ stream) =>
  requestJson(`/v1/suppressions/${encodeURIComponent(email)}/postmark?${new URLSearchParams({ stream })}`);

/** Imports Postmark's suppression list of the settings' stream. @returns {Promise<ImportResult>} */
export const importFromPostmark = () => requestJson("/v1/suppressions/import", { method: "POST", json: {} });

// ── Deliverability and notifications ────────────────────────────────────────────────────────────────────

/**
 * @typedef {object} Thresholds
 * @property {{ warning: number, critical: number }} bounceRate percent of sent
 * @property {{ warning: number, critical: number }} complaintRate percent of sent
 * @property {number} windowDays
 * @property {number} minimumSent
 */

/**
 * @typedef {object} DeliverabilityPolicy GET/PUT /v1/deliverability/policy
 * @property {Thresholds} thresholds
 * @property {{ count: number, withinDays: number } | null} softBounces null: off
 */

/**
 * @typedef {object} Deliverability GET /v1/deliverability
 * @property {"ok" | "warning" | "critical" | "unknown"} state
 * @property {number | null} sent
 * @property {number | null} bounceRate
 * @property {number | null} complaintRate
 * @property {{ from: string, to: string }} window
 * @property {string} reason
 * @property {Thresholds} thresholds
 */

/**
 * @typedef {object} NotificationDelivery
 * @property {string} id
 * @property {string} type
 * @property {"pending" | "delivered" | "failed"} state
 * @property {number} attempts
 * @property {string} createdAt
 * @property {number | null} lastStatus
 * @property {string | null} lastError
 */

/**
 * @typedef {object} Notifications GET /v1/notifications
 * @property {{ url: string, createdAt: string, updatedAt: string } | null} endpoint
 * @property {NotificationDelivery[]} deliveries
 */

/** @returns {Promise<Deliverability>} */
export const getDeliverability = () => requestJson("/v1/deliverability");

/** @returns {Promise<DeliverabilityPolicy>} */
export const getPolicy = () => requestJson("/v1/deliverability/policy");

/** @returns {Promise<DeliverabilityPolicy>} */
export const savePolicy = (/** @type {DeliverabilityPolicy} */ policy) =>
  requestJson("/v1/deliverability/policy", { method: "PUT", json: policy });

/** @returns {Promise<Notifications>} */
export const getNotifications = () => requestJson("/v1/notifications");

/** @returns {Promise<{ url: string, secret?: string }>} */
export const saveEndpoint = (/** @type {string} */ url) =>
  requestJson("/v1/notifications/endpoint", { method: "PUT", json: { url } });

/** @returns {Promise<{ url: string, secret?: string }>} */
export const rotateEndpointSecret = () => requestJson("/v1/notifications/endpoint/rotate", { method: "POST" });

export const deleteEndpoint = async () => {
  await request("/v1/notifications/endpoint", { method: "DELETE" });
};

/** @returns {Promise<NotificationDelivery>} */
export const sendTestNotification = () => requestJson("/v1/notifications/test", { method: "POST" });
