// The deliverability guard in the dashboard: the state from what the local Postmark API reports, a signed
// deliverability.changed to a local endpoint set in the dashboard, and the soft-bounce policy set there.
import type { Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedNotification } from "../node/notification-receiver";
import { startNotificationReceiver } from "../node/notification-receiver";
import { browserSession, createTenant, postToCallback, screenshot, signIn, stack, tenantApi } from "./harness";

const session = browserSession();
let page: Page;
let receiver: Awaited<ReturnType<typeof startNotificationReceiver>>;

beforeAll(async () => {
  receiver = await startNotificationReceiver();
});
afterAll(() => receiver.close());

async function standIn<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(stack.postmarkApiUrl + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json() as Promise<T>;
}

/** A tenant whose settings open a Postmark server of its own in the local Postmark API (its own stats). */
async function tenantWithOwnServer(name: string) {
  const tenant = await createTenant(name);
  const server = await standIn<{ token: string }>("/__standin/servers", { name: `Server of ${name}` });
  const res = await tenantApi(tenant.token, "/v1/email/settings", {
    method: "PUT",
    json: { provider: "postmark", fromEmail: "hello@acme.example", apiKey: server.token },
  });
  expect(res.status).toBe(200);
  return { ...tenant, postmarkToken: server.token };
}

async function openDeliverability() {
  await page.getByRole("link", { name: "Deliverability" }).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Deliverability");
}

const runScheduled = async () => {
  const res = await fetch(`${stack.base}/__scheduled`);
  expect(res.status).toBe(200);
  await res.text();
};

const today = () => new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date());

describe("deliverability in the dashboard", () => {
  it("shows critical for 1,000 sent and 120 hard bounces, and one signed deliverability.changed reaches the endpoint set there", async () => {
    const tenant = await tenantWithOwnServer("Guarded tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await openDeliverability();

    const path = `/hooks/ok/${tenant.id}`;
    await page.getByLabel("Endpoint URL").fill(receiver.url + path);
    await page.getByRole("button", { name: "Save endpoint" }).click();
    await expect.poll(() => page.locator("#endpoint-notice").textContent()).toContain("new signing secret");
    const secret = (await page.locator("#endpoint-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    // Postmark reports the day after the endpoint is set (opening the view evaluated the state already).
    await standIn("/__standin/stats", {
      token: tenant.postmarkToken,
      date: today(),
      sent: 1000,
      bounces: { HardBounce: 120 },
    });

    await runScheduled();
    await runScheduled();
    let received: ReceivedNotification[] = [];
    await expect
      .poll(async () => {
        received = (await (await fetch(`${receiver.url}/received?path=${path}`)).json()) as ReceivedNotification[];
        return received.length;
      })
      .toBeGreaterThan(0);
    const changes = received.filter((r) => JSON.parse(r.body).type === "deliverability.changed");
    expect(changes).toHaveLength(1);
    const verified = new Webhook(secret).verify(changes[0]!.body, changes[0]!.headers);
    expect(verified).toMatchObject({
      data: { previousState: "unknown", state: "critical", sent: 1000, bounceRate: 12 },
    });

    await page.reload();
    await expect.poll(() => page.locator("#deliverability-state").textContent()).toBe("Critical");
    expect(await page.locator("#deliverability-reason").textContent()).toContain("Bounce rate 12 %");
    expect(await page.locator("#deliverability-bounce-rate").textContent()).toBe("12 %");
    expect(await page.locator("#deliverability-bounce-chart svg").getAttribute("aria-label")).toContain(
      "critical at 10 %",
    );
    await expect.poll(() => page.locator("#endpoint-deliveries").textContent()).toContain("deliverability.changed");
    // The secret is not shown again after a reload.
    expect(await page.locator("#endpoint-secret-box").isHidden()).toBe(true);
    await screenshot(page, "deliverability-critical");
  });

  it("suppresses after three soft bounces once the policy is on, while Blocked bounces suppress nothing", async () => {
    const tenant = await tenantWithOwnServer("Soft-bounce tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await openDeliverability();
    await expect.poll(() => page.getByLabel("Bounce rate critical (%)").inputValue()).toBe("10");
    await page.getByLabel("Suppress an address after repeated soft bounces").check();
    await page.getByLabel("How many soft bounces").fill("3");
    await page.getByLabel("Within (days)").fill("7");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect.poll(() => page.locator("#policy-notice").textContent()).toContain("Policy saved.");

    const webhook = (await (await tenantApi(tenant.token, "/v1/email/webhook")).json()) as {
      urlWithCredentials: string;
    };
    const bounce = (email: string, type: string, id: number) => ({
      RecordType: "Bounce",
      MessageStream: "outbound",
      ID: id,
      Type: type,
      Email: email,
      BouncedAt: new Date(Date.now() - (10 - (id % 10)) * 60_000).toISOString(),
      Inactive: type === "Blocked",
    });
    const base = Math.floor(Math.random() * 2 ** 40) * 10;
    for (let i = 1; i <= 3; i++) {
      expect(
        (await postToCallback(webhook.urlWithCredentials, bounce("flaky@example.com", "SoftBounce", base + i))).status,
      ).toBe(200);
      expect(
        (await postToCallback(webhook.urlWithCredentials, bounce("blocked@example.com", "Blocked", base + 3 + i)))
          .status,
      ).toBe(200);
    }

    // "queued": the list is opened again until the queue consumer has committed the bounces.
    const flaky = page.getByRole("row").filter({ hasText: "flaky@example.com" });
    await expect
      .poll(
        async () => {
          await page.reload(); // the view loads its list once; the token stays in sessionStorage
          await page.getByRole("link", { name: "Suppression list" }).click();
          return flaky.count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    expect(await flaky.textContent()).toContain("Repeated soft bounces");
    expect(await page.getByRole("row").filter({ hasText: "blocked@example.com" }).count()).toBe(0);
    await screenshot(page, "deliverability-soft-bounce-suppressed");
  });
});
