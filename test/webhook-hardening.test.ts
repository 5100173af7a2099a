// Webhook input an attacker (or a broken sender) controls: event times, addresses, streams, payload size.
import { describe, expect, it } from "vitest";
import { bounce, subscriptionChange } from "./fixtures/postmark-events";
import { call } from "./helpers";
import { createTenantWithWebhook, deliver, eventRows, postEvent, report, suppressionOf } from "./postmark-helpers";

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
