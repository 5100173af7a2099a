// The fuzz pass: random and malformed requests to every route. Never a 500, every error in the API's one
// shape, and nothing changes: valid credentials are only ever sent with input the route must refuse.
import { type LoadRequest, type LoopbackClient, runLoad } from "../bench/http-load.ts";
import { seededRandom } from "../bench/postmark-events.ts";
import { apiRequest, type BenchTenant } from "../bench/tenant.ts";

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Bodies no route accepts: not JSON, not an object, wrong types everywhere, too deep, too big. */
function malformedBody(random: Random): string {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const bytes = () =>
    Array.from({ length: 1 + Math.floor(random() * 64) }, () =>
      String.fromCharCode(Math.floor(random() * 0xffff)),
    ).join("");
  return pick(random, [
    () => "{",
    () => "not json at all",
    () => "[]",
    () => "[1,2,3]",
    () => "42",
    () => "null",
    () => '"a string"',
    () => deep(1 + Math.floor(random() * 5000)),
    () => `{"a":${deep(3000)}}`,
    () => bytes(),
    () => '{"emails": 5}',
    () => '{"emails": [1, 2, {"x": null}]}',
    () => `{"emails": ${JSON.stringify(Array.from({ length: 1001 }, (_, i) => `x${i}@example.com`))}}`,
    () => '{"provider": 7, "fromEmail": ["x"], "port": "many"}',
    () => '{"provider": "postmark", "fromEmail": "not an address", "port": 99999999}',
    () => '{"to": "a@b.c\\r\\nBcc: victim@example.com"}',
    () => '{"name": ""}',
    () => `{"name": "${"x".repeat(5000)}"}`,
    () => "x".repeat(1024 * 1024 + 10), // over the 1 MiB limit
    () => "\u0000\u0001\u0002",
  ])();
}

const SETTINGS = {
  provider: "postmark",
  host: "smtp.postmarkapp.com",
  port: 587,
  fromEmail: "fuzz@example.com",
  fromName: "Fuzz",
  apiKey: "fuzz-server-token-0000",
};
const PRIVATE_HOSTS = [
  "127.0.0.1",
  "localhost",
  "169.254.169.254",
  "10.0.0.1",
  "192.168.1.1",
  "100.64.0.1",
  "0.0.0.0",
  "2130706433",
  "0x7f000001",
  "127.1",
  "017700000001",
  "metadata.google.internal",
  "printer.local",
];
const UNSAFE_TEXT = ["a\u0000b", "\u001b[2J", "a\u007fb", "a\u0085b", "a\u202eb", "a\u2066b", "a\ud800b", "a\udfffb"];
/** A far-future Postmark event: refused here only because of how it is sent (it would be stored otherwise). */
const futureEvent = (random: Random) =>
  JSON.stringify({
    RecordType: pick(random, ["Bounce", "SubscriptionChange"]),
    ID: Math.floor(random() * 1e9),
    Type: "HardBounce",
    Email: "future@example.com",
    Recipient: "future@example.com",
    SuppressSending: false,
    BouncedAt: "8999-12-31T00:00:00Z",
    ChangedAt: "8999-12-31T00:00:00Z",
  });
const WRONG_CONTENT_TYPES = [
  "text/plain",
  "",
  "application/x-www-form-urlencoded",
  "text/json",
  "application/json; charset=latin1",
];

/**
 * Input that is well formed but must be refused by the rules of issue 9: private hosts and non-SMTP ports
 * (the load stack keeps the production host policy), control characters and broken Unicode in names,
 * valid JSON sent with a Content-Type that is not JSON, and far-future events sent that way.
 */
function refusedByPolicy(random: Random, tenant: BenchTenant, adminToken: string): LoadRequest {
  const bearer = { Authorization: `Bearer ${tenant.token}` };
  const json = { "Content-Type": "application/json" };
  const wrongType = (): Record<string, string> => {
    const type = pick(random, WRONG_CONTENT_TYPES);
    return type ? { "Content-Type": type } : {};
  };
  const unsafe = () => pick(random, UNSAFE_TEXT);
  return pick(random, [
    () => ({
      method: "PUT",
      path: "/v1/email/settings",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ ...SETTINGS, host: pick(random, PRIVATE_HOSTS), port: pick(random, [25, 587, 2525]) }),
    }),
    () => ({
      method: "PUT",
      path: "/v1/email/settings",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ ...SETTINGS, port: pick(random, [22, 80, 443, 465, 6379, 2526, 65535]) }),
    }),
    () => ({
      method: "POST",
      path: "/v1/email/test",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ to: "x@example.com", settings: { ...SETTINGS, host: pick(random, PRIVATE_HOSTS) } }),
    }),
    () => ({
      method: "PUT",
      path: "/v1/email/settings",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ ...SETTINGS, fromName: unsafe() }),
    }),
    () => ({
      method: "POST",
      path: "/v1/email/test",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ to: "x@example.com", toName: unsafe(), settings: SETTINGS }),
    }),
    () => ({
      method: "POST",
      path: "/v1/tenants",
      headers: { Authorization: `Bearer ${adminToken}`, ...json },
      body: JSON.stringify({ name: unsafe() }),
    }),
    () => ({
      method: "PUT",
      path: "/v1/email/settings",
      headers: { ...bearer, ...wrongType() },
      body: JSON.stringify(SETTINGS),
    }),
    () => ({
      method: "POST",
      path: "/v1/suppressions",
      headers: { ...bearer, ...wrongType() },
      body: JSON.stringify({ emails: ["typed@example.com"] }),
    }),
    () => ({
      method: "POST",
      path: "/v1/tenants",
      headers: { Authorization: `Bearer ${adminToken}`, ...wrongType() },
      body: JSON.stringify({ name: "Typed" }),
    }),
    () => ({
      method: "POST",
      path: "/v1/email/webhook/rotate",
      headers: { ...bearer, ...wrongType() },
      body: JSON.stringify({ overlapHours: 0 }),
    }),
    () => ({
      method: "POST",
      path: "/v1/email/webhook/rotate",
      headers: { ...bearer, ...json },
      body: JSON.stringify({ overlapHours: pick(random, [-1, 25, 0.5, "0", null, 1e9]) }),
    }),
    () => ({
      method: "POST",
      path: tenant.webhookPath,
      headers: { Authorization: tenant.webhookAuth, ...wrongType() },
      body: futureEvent(random),
    }),
  ])();
}

const RANDOM_PATHS = [
  "/",
  "/health",
  "/openapi.json",
  "/v1",
  "/v1/",
  "/v1/tenants",
  "/v1/tenants/x/tokens",
  "/v1/tenants/%00/tokens/%ff",
  "/v1/email/settings",
  "/v1/email/test",
  "/v1/email/webhook",
  "/v1/email/webhook/rotate",
  "/v1/suppressions",
  "/v1/suppressions/check",
  "/v1/suppressions.csv",
  "/v1/suppressions/changes",
  "/v1/suppressions/%E2%98%83%40example.com",
  "/v1/suppressions/%",
  "/v1/suppressions/import",
  "/v1/suppressions/someone%40example.com/postmark",
  "/v1/email/webhook/install",
  "/v1/email/postmark",
  "/v1/deliverability",
  "/v1/deliverability/policy",
  "/v1/notifications",
  "/v1/notifications/endpoint",
  "/v1/notifications/endpoint/rotate",
  "/v1/notifications/test",
  "/v1/dead-letters",
  "/v1/dead-letters/replay",
  "/v1/reports/bounces",
  "/webhooks/postmark/",
  "/webhooks/postmark/no-such-tenant",
  "/webhooks/postmark/%2e%2e",
  "//v1//suppressions",
  "/v1/suppressions/a/b/c",
  `/v1/${"a".repeat(4000)}`,
  "/.env",
  "/wp-login.php",
  "/v1/reports/bounces/..",
];
const RANDOM_QUERIES = [
  "",
  "?limit=0",
  "?limit=1001",
  "?limit=-1",
  "?limit=abc",
  "?cursor=%%%",
  "?cursor=bm90IGpzb24",
  "?cursor=WyJhIl0",
  "?reason=nope",
  "?stream=%20",
  "?stream=a%0Ab",
  "?since=-5",
  "?since=1e99",
  "?from=2026-13-40&to=x",
  "?from=2020-01-01&to=2026-12-31",
  "?email=%00",
  `?email=${"e".repeat(400)}`,
  "?limit=5&limit=6",
  "?from=8999-01-01&to=8999-12-31",
  "?to=9999-12-31",
  "?since=999999999999999",
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;

/** One fuzz request; valid credentials only where the request cannot succeed or only reads. */
function fuzzRequest(random: Random, tenants: BenchTenant[], adminToken: string): LoadRequest {
  const tenant = pick(random, tenants);
  const contentType = pick(random, [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "",
    "application/json; charset=utf-16",
  ]);
  const headers = (auth?: string): Record<string, string> => ({
    ...(auth ? { Authorization: auth } : {}),
    ...(contentType ? { "Content-Type": contentType } : {}),
    ...(random() < 0.1 ? { "X-Forwarded-For": "\u00ff\u00fe" } : {}),
  });
  const badAuth = pick(random, [
    undefined,
    "Bearer",
    "Bearer ",
    "Bearer pet_nope",
    `Bearer ${"x".repeat(5000)}`,
    "Basic",
    "Basic %%%",
    `Basic ${Buffer.from("a:b").toString("base64")}`,
    "Digest username=x",
    `Bearer ${tenant.token}x`,
    tenant.webhookAuth,
    `Bearer ${adminToken.slice(0, -1)}`,
  ]);
  const roll = random();
  if (roll < 0.35) {
    // Anything, anywhere, with credentials that open nothing.
    return {
      method: pick(random, METHODS),
      path: pick(random, RANDOM_PATHS) + pick(random, RANDOM_QUERIES),
      headers: headers(badAuth),
      body: random() < 0.6 ? malformedBody(random) : undefined,
    };
  }
  if (roll < 0.55) {
    // A tenant's own token on reads with odd query strings.
    const path = pick(random, [
      "/v1/suppressions",
      "/v1/suppressions.csv",
      "/v1/suppressions/changes",
      "/v1/reports/bounces",
      "/v1/email/settings",
      "/v1/suppressions/someone%40example.com",
    ]);
    return {
      ...apiRequest(tenant, "GET", path + pick(random, RANDOM_QUERIES)),
      headers: headers(`Bearer ${tenant.token}`),
    };
  }
  if (roll < 0.7) {
    // A tenant's own token with a body its route must refuse.
    const [method, path] = pick(random, [
      ["POST", "/v1/suppressions/check"],
      ["POST", "/v1/suppressions"],
      ["POST", "/v1/suppressions/import"],
      ["PUT", "/v1/deliverability/policy"],
      ["PUT", "/v1/notifications/endpoint"],
      ["PUT", "/v1/email/settings"],
      ["POST", "/v1/email/test"],
    ] as const);
    return { method, path, headers: headers(`Bearer ${tenant.token}`), body: malformedBody(random) };
  }
  if (roll < 0.82) return refusedByPolicy(random, tenant, adminToken);
  if (roll < 0.9) {
    // The callback URL with its real credentials and a body that is not one JSON object.
    return {
      method: "POST",
      path: tenant.webhookPath,
      headers: headers(tenant.webhookAuth),
      body: pick(random, ["{", "[]", "42", "null", "[{}]", "\u0000", `{"a":${"[".repeat(3000)}`]),
    };
  }
  // The operator's token on tenant creation with a body it must refuse.
  return {
    method: "POST",
    path: "/v1/tenants",
    headers: headers(`Bearer ${adminToken}`),
    body: pick(random, ['{"name": ""}', "[]", "{", `{"name": 5}`, `{"name": "${"n".repeat(5000)}"}`]),
  };
}

/** A fingerprint of everything the fuzzed tenants and the operator can see. */
async function snapshot(client: LoopbackClient, tenants: BenchTenant[], adminToken: string): Promise<string> {
  const parts: string[] = [];
  const admin = { Authorization: `Bearer ${adminToken}` };
  parts.push((await client.send({ method: "GET", path: "/v1/tenants", headers: admin })).body);
  for (const tenant of tenants) {
    for (const path of [
      "/v1/suppressions.csv",
      "/v1/reports/bounces?from=2026-01-01&to=2026-12-31",
      "/v1/suppressions/changes?limit=1000",
      "/v1/email/webhook",
      "/v1/email/settings",
    ]) {
      const res = await client.send(apiRequest(tenant, "GET", path));
      parts.push(`${path} ${res.status} ${res.body}`);
    }
    parts.push((await client.send({ method: "GET", path: `/v1/tenants/${tenant.id}/tokens`, headers: admin })).body);
  }
  return parts.join("\n");
}

export interface FuzzResult {
  requests: number;
  statuses: Record<string, number>;
  problems: string[];
}

export async function fuzz(
  client: LoopbackClient,
  tenants: BenchTenant[],
  adminToken: string,
  count: number,
  seed: number,
): Promise<FuzzResult> {
  const random = seededRandom(seed);
  const requests = Array.from({ length: count }, () => fuzzRequest(random, tenants, adminToken));
  const before = await snapshot(client, tenants, adminToken);
  const problems: string[] = [];
  const stats = await runLoad(
    client,
    count,
    16,
    (i) => requests[i]!,
    (i, res) => {
      const req = requests[i]!;
      const what = `${req.method} ${req.path.slice(0, 80)}`;
      if (res instanceof Error) return void problems.push(`${what}: no answer (${res.message})`);
      if (res.status >= 500) problems.push(`${what}: ${res.status} ${res.body.slice(0, 120)}`);
      if (res.status >= 400) {
        try {
          const { error } = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
          if (
            typeof error?.code !== "string" ||
            !/^[a-z][a-z0-9_]*$/.test(error.code) ||
            typeof error.message !== "string"
          )
            throw new Error();
        } catch {
          problems.push(`${what}: ${res.status} not in the error shape: ${res.body.slice(0, 120)}`);
        }
      } else if (req.method !== "GET") {
        problems.push(`${what}: ${res.status} accepted input it should refuse: ${res.body.slice(0, 120)}`);
      }
    },
  );
  const after = await snapshot(client, tenants, adminToken);
  if (after !== before) problems.push("the data changed during the fuzz pass");
  return { requests: count, statuses: stats.statuses, problems };
}
