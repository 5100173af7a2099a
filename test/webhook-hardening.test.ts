// Webhook input an attacker (or a broken sender) controls: event times, addresses, streams, payload size.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toAddress } from "../src/email-address";
import { csvField } from "../src/http/suppressions-csv";
import { auditCopy, MAX_AUDIT_CHARS } from "../src/postmark/payload";
import { bounce, subscriptionChange } from "./fixtures/postmark-events";
import { call, expectError, ORIGIN } from "./helpers";
import {
  basic,
  createTenantWithWebhook,
  deliver,
  eventRows,
  fetchWorker,
  getWebhook,
  postEvent,
  report,
  suppressionOf,
  type TenantWithWebhook,
  type Webhook,
} from "./postmark-helpers";

const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

describe("event times in the future", () => {
  it("a far-future reactivation does not freeze the address: a real bounce after it suppresses", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, subscriptionChange("frozen@example.com", "8999-12-31T00:00:00Z", false));
    await deliver(tenant, bounce(8100, "frozen@example.com", isoNow()));
    expect(await suppressionOf(tenant, "frozen@example.com")).toMatchObject({ reason: "hard_bounce" });
  });

  it("counts a far-future bounce on the day it was received, and keeps times within 5 minutes of skew", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, bounce(8200, "future@example.com", "8999-12-31T00:00:00Z"));
    const skewed = isoNow(2 * 60_000);
    await deliver(tenant, bounce(8201, "skewed@example.com", skewed));

    const rows = await eventRows(tenant.id);
    const future = rows.find((r) => r.bounce_id === "8200")!;
    expect(future.day).toBe(today());
    expect(future.occurred_at).toBe(future.received_at);
    expect(rows.find((r) => r.bounce_id === "8201")!.occurred_at).toBe(`${skewed.slice(0, 23)}0000Z`);

    expect((await report(tenant, `from=${today()}&to=${today()}`)).total).toBe(2);
    expect((await report(tenant, "from=8999-12-31&to=8999-12-31")).total).toBe(0);
    // The suppression is dated when it was received, not in 8999.
    expect((await suppressionOf(tenant, "future@example.com"))!.suppressedAt).toMatch(new RegExp(`^${today()}`));
  });
});

describe("revoking leaked webhook credentials", () => {
  /** Rotates through the same env (and so the same credential cache) as postEvent uses. */
  const rotate = (tenant: TenantWithWebhook, body?: unknown) =>
    fetchWorker(
      new Request(`${ORIGIN}/v1/email/webhook/rotate`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${tenant.token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const withCredentials = (webhook: Webhook) => basic(webhook.username, webhook.password);

  it("overlapHours 0 stops the previous credentials at once, also in this isolate's cache", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, bounce(8400, "cached@example.com", isoNow())); // the credentials are cached now
    const first = await rotate(tenant, { overlapHours: 24 });
    const middle = await first.json<Webhook>();
    const res = await rotate(tenant, { overlapHours: 0 });
    expect(res.status).toBe(200);
    const fresh = await res.json<Webhook>();

    for (const old of [tenant.webhook, middle]) {
      await expectError(
        await postEvent(tenant, bounce(8401, "late@example.com", isoNow()), withCredentials(old)),
        401,
        "unauthorized",
      );
    }
    expect((await postEvent(tenant, bounce(8402, "new@example.com", isoNow()), withCredentials(fresh))).status).toBe(
      200,
    );
  });

  it("keeps the previous credentials for the overlap asked (24 hours without a body), never longer", async () => {
    const tenant = await createTenantWithWebhook();
    const expiries = async () =>
      (
        await env.DB.prepare(
          "SELECT expires_at FROM webhook_credentials WHERE tenant_id = ?1 AND expires_at IS NOT NULL ORDER BY created_at",
        )
          .bind(tenant.id)
          .all<{ expires_at: string }>()
      ).results.map((r) => Date.parse(r.expires_at) - Date.now());
    expect((await rotate(tenant)).status).toBe(200);
    expect((await expiries())[0]).toBeGreaterThan(23.9 * 3600_000);
    expect((await rotate(tenant, { overlapHours: 2 })).status).toBe(200);
    const [first, second] = await expiries();
    expect(first).toBeLessThan(2 * 3600_000 + 1000); // shortened to the new overlap, not kept at 24 hours
    expect(second).toBeGreaterThan(1.9 * 3600_000);
    expect((await rotate(tenant, { overlapHours: 24 })).status).toBe(200);
    expect(Math.max(...(await expiries()))).toBeGreaterThan(23.9 * 3600_000);
    expect((await expiries()).filter((ms) => ms < 2 * 3600_000 + 1000)).toHaveLength(2); // never lengthened
  });

  it("refuses an overlap outside 0..24 with 400, rotating nothing", async () => {
    const tenant = await createTenantWithWebhook();
    for (const overlapHours of [-1, 25, 1.5, "24", null]) {
      const error = await expectError(await rotate(tenant, { overlapHours }), 400, "validation_failed");
      expect(error.fields).toEqual({ overlapHours: expect.stringMatching(/0 to 24/) });
    }
    expect(await getWebhook(tenant)).toEqual(tenant.webhook);
  });
});

describe("addresses from webhooks are RFC 5321 mailboxes", () => {
  const mailboxes = [
    "plain@example.com",
    "first.last+tag@sub.example.co.uk",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    "=1+1@x.example", // a valid atom: the CSV export defuses it
    '"quoted string"@example.com',
    '"a;b\\"c"@example.com',
    "user@[192.0.2.1]",
    "user@[IPv6:2001:db8::1]",
    "üñí@exämple.com",
    "☃@example.com",
    "x@localhost",
  ];
  const notMailboxes = [
    "x;=1+1@x.example",
    "two words@example.com",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@b@example.com",
    "a\u0000b@example.com",
    "a\u202eb@example.com",
    "<a@example.com>",
    "a@example..com",
    "a@-example.com",
    "a@example-.com",
    "a@exa_mple.com",
    "a@[300.1.1.1]",
    "a@[IPv6:not-v6]",
    '"unterminated@example.com',
    `${"l".repeat(65)}@example.com`,
    `a@${"d".repeat(64)}.com`,
    "a,b@example.com",
    "@example.com",
    "a@",
  ];

  it.each(mailboxes)("accepts %s", (address) => {
    expect(toAddress(address)).toBe(address.toLowerCase());
  });

  it.each(notMailboxes)("refuses %s", (address) => {
    expect(toAddress(address)).toBeNull();
  });

  it("counts a bounce for an address that is not a mailbox with no address, and suppresses nothing", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, bounce(8500, "x;=1+1@x.example", isoNow()));
    const [row] = await eventRows(tenant.id);
    expect(row).toMatchObject({ bounce_id: "8500", email: null, effect: "count" });
    expect((await report(tenant, `from=${today()}&to=${today()}`)).total).toBe(1);
    const csv = await (await call("/v1/suppressions.csv", { token: tenant.token })).text();
    expect(csv).not.toContain("1+1");
  });

  it("exports addresses a spreadsheet could run as formulas defused, and quotes every field with a ;", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, bounce(8600, "=1+1@x.example", isoNow()));
    await deliver(tenant, bounce(8601, '"a;=2+2"@x.example', isoNow()));
    const lines = (await (await call("/v1/suppressions.csv", { token: tenant.token })).text()).split("\r\n");
    expect(lines.filter((l) => l.startsWith("'=1+1@x.example,outbound,hard_bounce,"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('"""a;=2+2""@x.example",outbound,hard_bounce,'))).toHaveLength(1);
    // A spreadsheet that splits on ";" keeps a quoted field whole.
    expect(csvField("a;=1+1")).toBe('"a;=1+1"');
  });
});

describe("smaller webhook guards", () => {
  it("ignores an event whose MessageStream is present but not a stream id; a missing one means outbound", async () => {
    const tenant = await createTenantWithWebhook();
    const event = (stream: unknown) =>
      JSON.stringify({
        RecordType: "Bounce",
        ID: 8700 + Math.floor(Math.random() * 1000),
        Type: "HardBounce",
        Email: "streamed@example.com",
        BouncedAt: isoNow(),
        Inactive: true,
        ...(stream === undefined ? {} : { MessageStream: stream }),
      });
    for (const stream of ["", " ", "bad stream", "a\nb", "-leading", 7, ["outbound"], { id: "outbound" }]) {
      const res = await postEvent(tenant, event(stream));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ignored", reason: expect.stringMatching(/MessageStream/) });
    }
    expect(await eventRows(tenant.id)).toEqual([]);
    await deliver(tenant, event(undefined));
    expect(await suppressionOf(tenant, "streamed@example.com", "outbound")).toMatchObject({ reason: "hard_bounce" });
  });

  it("keeps the audit copy of a payload within MAX_AUDIT_CHARS, however it escapes", () => {
    for (const filler of ['"', "\\", "\u0001", "é", "x"]) {
      const payload = { RecordType: "Bounce", Details: filler.repeat(70_000) };
      const text = JSON.stringify(payload);
      const copy = auditCopy(text, payload);
      expect(copy.length).toBeLessThanOrEqual(MAX_AUDIT_CHARS);
      expect(JSON.parse(copy)).toMatchObject({ truncated: true, originalLength: text.length });
    }
  });
});
