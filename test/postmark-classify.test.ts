// The pure Postmark layer: parsing, timestamps and the classification table, without I/O.
import { describe, expect, it } from "vitest";
import { classifyEvent } from "../src/postmark/classify";
import { auditCopy, MAX_CONTENT_CHARS, parseWebhookBody } from "../src/postmark/payload";
import { toUtcTimestamp } from "../src/postmark/timestamps";
import * as fx from "./fixtures/postmark-events";

function classify(text: string) {
  const body = parseWebhookBody(text);
  if (body.kind !== "object") throw new Error(`fixture is ${body.kind}`);
  return classifyEvent(body.value);
}

describe("parseWebhookBody", () => {
  it("keeps a bounce ID above 2^53 exact", () => {
    const body = parseWebhookBody(fx.hardBounce);
    expect(body.kind === "object" && body.value.ID).toBe("4323372036854775807");
    expect(String(JSON.parse(fx.hardBounce).ID)).toBe("4323372036854776000"); // what a plain parse would keep
  });

  it("refuses empty, invalid and non-object bodies, each with its reason", () => {
    expect(parseWebhookBody("  ")).toEqual({ kind: "invalid", why: "is empty" });
    for (const text of ["{", "nope", "[1,2]", "null", "42", '"x"']) expect(parseWebhookBody(text).kind).toBe("invalid");
    expect(parseWebhookBody(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`).kind).toBe("invalid");
  });

  it("drops a large Content dump from the audit copy, and keeps small payloads verbatim", () => {
    expect(auditCopy(fx.hardBounce, {})).toBe(fx.hardBounce);
    const big = JSON.stringify({ RecordType: "Bounce", ID: 1, Content: "x".repeat(MAX_CONTENT_CHARS + 1) });
    const copy = auditCopy(big, JSON.parse(big));
    expect(copy.length).toBeLessThan(1000);
    expect(JSON.parse(copy)).toMatchObject({
      RecordType: "Bounce",
      ID: 1,
      Content: `[${MAX_CONTENT_CHARS + 1} characters not kept]`,
    });
  });
});

describe("toUtcTimestamp", () => {
  const cases: [unknown, string | null][] = [
    ["2019-11-05T16:33:54.9070259Z", "2019-11-05T16:33:54.9070259Z"],
    ["2019-11-05T16:33:54Z", "2019-11-05T16:33:54.0000000Z"],
    ["2014-08-01T13:28:10.2735393-04:00", "2014-08-01T17:28:10.2735393Z"],
    ["2026-03-04T23:28:10.5+02:00", "2026-03-04T21:28:10.5000000Z"],
    ["2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.0000000Z"],
    ["2020-02-01T10:53:34.416071", "2020-02-01T10:53:34.4160710Z"],
    ["2026-02-30T00:00:00Z", null],
    ["2026-01-01T25:00:00Z", null],
    ["yesterday", null],
    [1_700_000_000, null],
    [null, null],
  ];
  for (const [input, expected] of cases)
    it(`${JSON.stringify(input)} -> ${expected}`, () => expect(toUtcTimestamp(input)).toBe(expected));
});

describe("classifyEvent", () => {
  // payload -> [action or effect, reason, kind]
  const table: [string, string, "ignore" | "suppress" | "reactivate" | "count", string | null, string | null][] = [
    ["hard bounce", fx.hardBounce, "suppress", "hard_bounce", "bounce"],
    ["spam complaint (TypeCode 512)", fx.spamComplaint, "suppress", "spam_complaint", "spam_complaint"],
    [
      "SubscriptionChange HardBounce",
      fx.subscriptionChangeHardBounce,
      "suppress",
      "hard_bounce",
      "subscription_change",
    ],
    [
      "SubscriptionChange ManualSuppression by the Recipient",
      fx.unsubscribe,
      "suppress",
      "unsubscribe",
      "subscription_change",
    ],
    [
      "SubscriptionChange without reason, by the Recipient",
      fx.unsubscribeOlderDocs,
      "suppress",
      "unsubscribe",
      "subscription_change",
    ],
    [
      "SubscriptionChange ManualSuppression by the Customer",
      fx.customerSuppression,
      "suppress",
      "manual",
      "subscription_change",
    ],
    [
      "SubscriptionChange SpamComplaint (broadcast)",
      fx.broadcastSpamChange,
      "suppress",
      "spam_complaint",
      "subscription_change",
    ],
    [
      "SubscriptionChange SuppressSending false",
      fx.subscriptionChange("a@example.com", "2026-03-01T00:00:00Z", false),
      "reactivate",
      null,
      "subscription_change",
    ],
    ["bounce without RecordType", fx.bounceWithoutRecordType, "suppress", "hard_bounce", "bounce"],
    ["spam complaint without RecordType", fx.spamWithoutRecordType, "suppress", "spam_complaint", "spam_complaint"],
    ["Unsubscribe bounce without Email", fx.unsubscribeBounceWithoutEmail, "count", null, "bounce"],
    ["soft bounce", fx.softBounce, "count", null, "bounce"],
    ["transient", fx.transient, "count", null, "bounce"],
    ["auto-responder", fx.autoResponder, "count", null, "bounce"],
    ["DNS error marked Inactive", fx.inactiveDnsError, "suppress", "hard_bounce", "bounce"],
    [
      "Inactive Unsubscribe bounce",
      fx.bounce(7, "u@example.com", "2026-03-01T00:00:00Z", "Unsubscribe"),
      "suppress",
      "unsubscribe",
      "bounce",
    ],
    [
      "Inactive ManuallyDeactivated bounce",
      fx.bounce(8, "m@example.com", "2026-03-01T00:00:00Z", "ManuallyDeactivated"),
      "suppress",
      "manual",
      "bounce",
    ],
    [
      "HardBounce not marked Inactive",
      fx.bounce(9, "h@example.com", "2026-03-01T00:00:00Z", "HardBounce", false),
      "suppress",
      "hard_bounce",
      "bounce",
    ],
    [
      "unknown bounce Type, not Inactive",
      fx.bounce(10, "x@example.com", "2026-03-01T00:00:00Z", "SomethingNew", false),
      "count",
      null,
      "bounce",
    ],
    ...(["Blocked", "DMARCPolicy", "SMTPApiError", "TemplateRenderingFailed"].map((type, i) => [
      `sender-caused ${type}, even marked Inactive`,
      fx.bounce(20 + i, "fine@example.com", "2026-03-01T00:00:00Z", type, true),
      "count",
      null,
      "bounce",
    ]) as [string, string, "count", null, string][]),
    ["delivery", fx.delivery, "ignore", null, null],
    ["delivery without RecordType (ServerId)", fx.deliveryWithoutRecordType, "ignore", null, null],
    ["open", fx.open, "ignore", null, null],
    ["click", fx.click, "ignore", null, null],
    ["inbound message", fx.inbound, "ignore", null, null],
    ["unknown RecordType", '{"RecordType":"Teleport","Email":"a@example.com"}', "ignore", null, null],
    ["empty object", "{}", "ignore", null, null],
    [
      "SubscriptionChange without a usable Recipient",
      '{"RecordType":"SubscriptionChange","Recipient":42,"SuppressSending":true}',
      "ignore",
      null,
      null,
    ],
    [
      'SubscriptionChange with SuppressSending "yes"',
      '{"RecordType":"SubscriptionChange","Recipient":"a@example.com","SuppressSending":"yes"}',
      "ignore",
      null,
      null,
    ],
  ];

  for (const [name, payload, outcome, reason, kind] of table) {
    it(`${name}: ${outcome}${reason ? ` (${reason})` : ""}`, () => {
      const result = classify(payload);
      if (outcome === "ignore") {
        expect(result.action).toBe("ignore");
        return;
      }
      expect(result.action).toBe("store");
      if (result.action !== "store") return;
      expect(result.event.effect).toBe(outcome);
      expect(result.event.kind).toBe(kind);
      expect(result.event.suppression?.reason ?? null).toBe(reason);
    });
  }

  it("normalises the address and keys a bounce by its exact ID", () => {
    const result = classify(fx.hardBounce);
    expect(result).toMatchObject({
      action: "store",
      event: {
        email: "hard.bounce@example.com",
        key: "bounce:4323372036854775807",
        bounceId: "4323372036854775807",
        stream: "outbound",
        occurredAt: "2026-03-05T16:33:54.9070259Z",
        type: "HardBounce",
        suppression: { reason: "hard_bounce", bounceType: "HardBounce", canReactivate: true },
      },
    });
  });

  it("marks Customer subscription changes as possible echoes of a push from here, and nothing else", () => {
    const echoOf = (origin: string, suppress: boolean, reason: string | null) => {
      const result = classifyEvent({
        RecordType: "SubscriptionChange",
        Recipient: "a@example.com",
        ChangedAt: "2026-05-01T00:00:00Z",
        Origin: origin,
        SuppressSending: suppress,
        SuppressionReason: reason,
      });
      return result.action === "store" ? result.event.echoOf : "ignored";
    };
    expect(echoOf("Customer", false, null)).toBe("delete");
    expect(echoOf("Customer", true, "ManualSuppression")).toBe("create");
    expect(echoOf("Customer", true, "HardBounce")).toBeNull();
    expect(echoOf("Recipient", true, "ManualSuppression")).toBeNull();
    expect(echoOf("Admin", false, null)).toBeNull();
    expect(classify(fx.hardBounce)).toMatchObject({ event: { echoOf: null } });
  });

  it("never lets a spam complaint be reactivated, whatever CanActivate says", () => {
    const payload = JSON.parse(fx.spamWithoutRecordType);
    const result = classifyEvent({ ...payload, CanActivate: true });
    expect(result.action === "store" && result.event.suppression?.canReactivate).toBe(false);
  });

  it("keys events without an ID by their own fields: the same event the same key, another event another key", () => {
    const key = (text: string) => {
      const r = classify(text);
      return r.action === "store" ? r.event.key : null;
    };
    const a = fx.subscriptionChange("a@example.com", "2026-03-01T00:00:00Z", true);
    expect(key(a)).toBe(key(a));
    expect(key(a)).not.toBe(key(fx.subscriptionChange("a@example.com", "2026-03-01T00:00:00Z", false)));
    expect(key(a)).not.toBe(key(fx.subscriptionChange("a@example.com", "2026-03-01T00:00:01Z", true)));
    expect(key(a)).not.toBe(key(fx.subscriptionChange("b@example.com", "2026-03-01T00:00:00Z", true)));
  });

  it("survives a field of the wrong type in every position, without inventing values", () => {
    const base = JSON.parse(fx.hardBounce) as Record<string, unknown>;
    for (const field of Object.keys(base)) {
      for (const wrong of [null, 42, true, {}, [], "", "x".repeat(5000)]) {
        const result = classifyEvent({ ...base, [field]: wrong });
        if (result.action !== "store") continue;
        const e = result.event;
        expect(e.email === null || /^[^\s@]+@[^\s@]+$/.test(e.email)).toBe(true);
        expect(/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(e.stream)).toBe(true);
        expect(e.occurredAt === null || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/.test(e.occurredAt)).toBe(true);
        expect(e.bounceId === null || /^\d+$/.test(e.bounceId)).toBe(true);
        expect(e.type.length).toBeLessThanOrEqual(64);
      }
    }
  });
});
