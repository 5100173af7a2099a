// The callback URL, the email report and the suppression list: a bounce posted to
// the callback URL as Postmark would shows up in the report and on the list, and can be reactivated.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSession, createTenant, postmarkEvent, postToCallback, screenshot, signIn, tenantApi } from "./harness";

const session = browserSession();
let page: Page;

async function openView(name: string, heading: string) {
  await page.getByRole("link", { name }).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(heading);
}

async function callbackUrl(): Promise<string> {
  await openView("Callback URL", "Callback URL for bounces");
  const field = page.getByLabel("Callback URL (with its credentials)");
  await expect.poll(() => field.inputValue()).toMatch(/^http:\/\/[^:]+:[^@]+@127\.0\.0\.1:\d+\/webhooks\/postmark\//);
  return field.inputValue();
}

const reportNumber = (id: string) => page.locator(`#report-${id}`).textContent();
const rowFor = (email: string) => page.getByRole("row").filter({ hasText: email });

let lastExportName = "";

/** Clicks "Export CSV" and returns the addresses in the downloaded file (its header checked and left out). */
async function exportedEmails(): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  // Named by the day and the applied filters.
  expect(download.suggestedFilename()).toMatch(/^suppressions-\d{4}-\d{2}-\d{2}(-[\w.@+-]+)*\.csv$/);
  lastExportName = download.suggestedFilename();
  const csv = await new Response((await download.createReadStream()) as unknown as ReadableStream).text();
  const [header, ...rows] = csv.split(/\r?\n/).filter(Boolean);
  expect(header).toBe("email,stream,reason,origin,suppressed_at,bounce_type");
  return rows.map((row) => row.split(",")[0]!);
}

describe("callback URL", () => {
  it("shows the URL with credentials and Postmark's steps, copies it, and rotates it after confirmation", async () => {
    const tenant = await createTenant("Webhook tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    const url = await callbackUrl();
    expect(url).toContain(`/webhooks/postmark/${tenant.id}`);
    const steps = await page.locator(".steps").textContent();
    for (const words of [
      "Servers",
      "Settings → Webhooks",
      "Outbound",
      "Bounce",
      "Spam Complaint",
      "Subscription Change",
    ]) {
      expect(steps).toContain(words);
    }

    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.locator("#webhook-copy-notice").textContent()).toContain("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    // Cancelling the confirmation changes nothing; confirming makes new credentials.
    await page.getByRole("button", { name: "Rotate credentials…" }).click();
    const confirm = page.getByRole("dialog", { name: "Make new callback credentials?" });
    await expect.poll(() => confirm.isVisible()).toBe(true);
    // Not installed from here (no settings): the dialog says beforehand that the new URL must be pasted.
    expect(await confirm.textContent()).toContain("paste the new URL in Postmark");
    await screenshot(page, "webhook-rotate-confirm");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByLabel("Callback URL (with its credentials)").inputValue()).toBe(url);

    // The default keeps the old URL working for 24 hours.
    await page.getByRole("button", { name: "Rotate credentials…" }).click();
    expect(await confirm.getByLabel("Keep the old URL working for 24 hours").isChecked()).toBe(true);
    expect(await confirm.getByLabel("Revoke it now").isChecked()).toBe(false);
    await confirm.getByRole("button", { name: "Rotate credentials" }).click();
    await expect.poll(() => page.locator("#webhook-notice").textContent()).toContain("New credentials made");
    expect(await page.locator("#webhook-notice").textContent()).toContain("24 hours");
    const rotated = await page.getByLabel("Callback URL (with its credentials)").inputValue();
    expect(rotated).not.toBe(url);
    expect((await postToCallback(rotated, postmarkEvent("hardBounce", { Email: "rotated@example.com" }))).status).toBe(
      200,
    );
    expect((await postToCallback(url, postmarkEvent("hardBounce", { Email: "overlap@example.com" }))).status).toBe(200);
  });

  it("revokes the old URL at once when asked to (a leaked URL)", async () => {
    const tenant = await createTenant("Leaked webhook tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    const leaked = await callbackUrl();
    expect((await postToCallback(leaked, postmarkEvent("hardBounce", { Email: "before@example.com" }))).status).toBe(
      200,
    );

    await page.getByRole("button", { name: "Rotate credentials…" }).click();
    const confirm = page.getByRole("dialog", { name: "Make new callback credentials?" });
    await confirm.getByLabel("Revoke it now").check();
    await screenshot(page, "webhook-rotate-revoke");
    await confirm.getByRole("button", { name: "Rotate credentials" }).click();
    await expect.poll(() => page.locator("#webhook-notice").textContent()).toContain("The old URL no longer works");
    const fresh = await page.getByLabel("Callback URL (with its credentials)").inputValue();
    expect(fresh).not.toBe(leaked);

    expect((await postToCallback(leaked, postmarkEvent("hardBounce", { Email: "leaked@example.com" }))).status).toBe(
      401,
    );
    expect((await postToCallback(fresh, postmarkEvent("hardBounce", { Email: "fresh@example.com" }))).status).toBe(200);

    // The next rotation offers the 24 hours again.
    await page.getByRole("button", { name: "Rotate credentials…" }).click();
    expect(await confirm.getByLabel("Keep the old URL working for 24 hours").isChecked()).toBe(true);
    await confirm.getByRole("button", { name: "Cancel" }).click();
  });
});

describe("a bounce through the callback URL", () => {
  it("counts in the email report and puts the address on the suppression list, until it is reactivated", async () => {
    const tenant = await createTenant("Bounce tenant");
    page = await session.open();
    await signIn(page, tenant.token);

    await openView("Email report", "Email report");
    await expect.poll(() => reportNumber("total")).toBe("0");
    expect(await reportNumber("suppressed")).toBe("0");

    const url = await callbackUrl();
    // Details is Postmark's text; markup in it must stay text on the page.
    const bounce = postmarkEvent("hardBounce", {
      Email: "John@Example.com",
      Details: '<img src=x onerror="window.__xss=1">smtp;550 5.1.1 unknown user',
    });
    const res = await postToCallback(url, bounce);
    expect(res.status).toBe(200);
    // Postmark redelivers: the same event twice still counts once.
    expect((await postToCallback(url, bounce)).status).toBe(200);
    expect((await postToCallback(url, postmarkEvent("spamComplaint", { Email: "angry@example.com" }))).status).toBe(
      200,
    );

    // The webhook answered "queued": the queue consumer commits the events within seconds, so the report is
    // opened again until they are visible rather than assumed at once.
    await expect
      .poll(
        async () => {
          await page.reload(); // the view loads its report once; the token stays in sessionStorage
          await openView("Email report", "Email report");
          return `${await reportNumber("total")}/${await reportNumber("suppressed")}`;
        },
        { timeout: 30_000 },
      )
      .toBe("1/2");
    expect(await reportNumber("spam")).toBe("1");
    expect(await reportNumber("suppressed")).toBe("2");
    // Human words for Postmark's types (the code only as a tooltip).
    expect(await page.locator("#report-types").textContent()).toContain("Hard bounce");
    expect(await page.locator("#report-types").textContent()).not.toContain("HardBounce");
    const bars = page.locator("#report-chart svg rect.bar");
    expect(await bars.count()).toBe(30);
    const today = new Date().toISOString().slice(0, 10);
    // Days as the browser writes dates (like the date inputs), not ISO.
    const todayInWords = await page.evaluate(
      (day) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC" }),
      today,
    );
    expect(await page.locator("#report-chart svg").getAttribute("aria-label")).toContain(`most on ${todayInWords} (1)`);
    await screenshot(page, "report-after-bounce");

    // A range that ends before the bounce does not count it.
    await page.getByLabel("From", { exact: true }).fill("2020-01-01");
    await page.getByLabel("To", { exact: true }).fill("2020-01-31");
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => reportNumber("total")).toBe("0");
    expect(await bars.count()).toBe(31);
    // The API's limit on the range is shown next to the date it is about.
    await page.getByLabel("From", { exact: true }).fill("2018-01-01");
    await page.getByRole("button", { name: "Show" }).click();
    await expect
      .poll(() => page.locator("#report-from-error").textContent())
      .toMatch(/^From must be at most \d+ days before to/);
    expect(await page.getByLabel("From", { exact: true }).getAttribute("aria-invalid")).toBe("true");

    await openView("Suppression list", "Suppression list");
    const john = rowFor("john@example.com");
    await expect.poll(() => john.count()).toBe(1);
    expect(await john.textContent()).toContain("Hard bounce");
    expect(await john.textContent()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    // A spam complaint cannot be reactivated, and the page says why.
    const angry = rowFor("angry@example.com");
    expect(await angry.getByRole("button").isDisabled()).toBe(true);
    expect(await angry.textContent()).toContain("Spam complaints cannot be reactivated");

    // Filter by reason, then search.
    await page.getByLabel("Reason").selectOption("spam_complaint");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => john.count()).toBe(0);
    expect(await angry.count()).toBe(1);
    await page.getByLabel("Reason").selectOption("");
    await page.getByLabel("Search addresses").fill("john@");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => angry.count()).toBe(0);
    expect(await john.count()).toBe(1);
    await screenshot(page, "suppressions-with-bounce");

    await john.getByRole("button", { name: "Reactivate john@example.com" }).click();
    const confirm = page.getByRole("dialog", { name: "Reactivate john@example.com?" });
    await expect.poll(() => confirm.isVisible()).toBe(true);
    await confirm.getByRole("button", { name: "Reactivate" }).click();
    await expect
      .poll(() => page.locator("#suppressions-notice").textContent())
      .toContain("john@example.com was reactivated");
    await expect.poll(() => john.count()).toBe(0);
    expect(await page.locator("#suppressions-empty").isVisible()).toBe(true);

    // The report still counts the bounce, but the address is no longer suppressed.
    await openView("Email report", "Email report");
    await page.getByLabel("From", { exact: true }).fill(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    await page.getByLabel("To", { exact: true }).fill(today);
    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => reportNumber("total")).toBe("1");
    expect(await reportNumber("suppressed")).toBe("1");
  });
});

describe("suppression list", () => {
  it("adds addresses, names the bad one, pages through, and exports CSV", async () => {
    const tenant = await createTenant("List tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await openView("Suppression list", "Suppression list");

    const input = page.getByLabel("Addresses, one per line");
    await input.fill("ok@example.com\nnot an address");
    await page.getByRole("button", { name: "Add to the list" }).click();
    await expect
      .poll(() => page.locator("#suppressions-add-emails-error").textContent())
      .toContain('"not an address" must be');
    expect(await input.getAttribute("aria-invalid")).toBe("true");

    const many = Array.from({ length: 30 }, (_, i) => `person${String(i).padStart(2, "0")}@example.com`);
    await input.fill(many.join("\n"));
    await page.getByRole("button", { name: "Add to the list" }).click();
    await expect.poll(() => page.locator("#suppressions-notice").textContent()).toContain("Added 30 addresses");
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(25);
    expect(await page.getByRole("button", { name: "Previous page" }).isDisabled()).toBe(true);
    expect(await page.locator("#suppressions-page").textContent()).toBe("Page 1: addresses 1–25");
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(5);
    expect(await page.locator("#suppressions-page").textContent()).toBe("Page 2: addresses 26–30 (the last)");
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(25);

    expect(await exportedEmails()).toEqual(many);
  });

  it("exports only the rows the search and reason filters beside the button match", async () => {
    const tenant = await createTenant("Export tenant");
    const people = ["ann@example.com", "anna@example.com", "bob@example.com"];
    const added = await tenantApi(tenant.token, "/v1/suppressions", { method: "POST", json: { emails: people } });
    expect(added.status).toBe(200);
    const unsubscribed = await tenantApi(tenant.token, "/v1/suppressions", {
      method: "POST",
      json: { emails: ["anne@example.com"], reason: "unsubscribe" },
    });
    expect(unsubscribed.status).toBe(200);
    page = await session.open();
    await signIn(page, tenant.token);
    await openView("Suppression list", "Suppression list");
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(4);

    await page.getByLabel("Search addresses").fill("ann");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(3);
    expect(await exportedEmails()).toEqual(["ann@example.com", "anna@example.com", "anne@example.com"]);

    expect(lastExportName).toMatch(/-matching-ann\.csv$/);

    await page.getByLabel("Reason").selectOption("unsubscribe");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator("#suppressions-rows tr").count()).toBe(1);
    expect(await exportedEmails()).toEqual(["anne@example.com"]);
    expect(lastExportName).toMatch(/-unsubscribe-matching-ann\.csv$/);

    // Typed but not searched: the export is still exactly what the list shows.
    await page.getByLabel("Search addresses").fill("bob");
    await page.getByLabel("Reason").selectOption("");
    expect(await exportedEmails()).toEqual(["anne@example.com"]);
  });
});

describe("views that stay up to date", () => {
  it("the list, the report and the callback URL's last event show a new bounce without a click", async () => {
    const tenant = await createTenant("Live tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    const url = await callbackUrl();
    await expect.poll(() => page.locator("#webhook-last-event").textContent()).toContain("No event from Postmark yet");

    await openView("Suppression list", "Suppression list");
    await expect.poll(() => page.locator("#suppressions-updated").textContent()).toMatch(/^Updated /);
    expect(await page.locator("#suppressions-empty").isVisible()).toBe(true);
    // Someone is typing a search (not applied): the refresh must neither reset it nor take the focus.
    const search = page.getByLabel("Search addresses");
    await search.fill("typing in progress");
    await search.focus();
    expect((await postToCallback(url, postmarkEvent("hardBounce", { Email: "live@example.com" }))).status).toBe(200);
    await expect.poll(() => rowFor("live@example.com").count(), { timeout: 15_000 }).toBe(1);
    expect(await search.inputValue()).toBe("typing in progress");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("suppressions-email");

    await openView("Email report", "Email report");
    await expect.poll(() => reportNumber("total")).toBe("1");
    const second = postmarkEvent("hardBounce", { ID: 424242, Email: "live2@example.com" });
    expect((await postToCallback(url, second)).status).toBe(200);
    await expect.poll(() => reportNumber("total"), { timeout: 15_000 }).toBe("2");
    expect(await page.locator("#report-updated").textContent()).toMatch(/^Updated /);

    await openView("Callback URL", "Callback URL for bounces");
    await expect
      .poll(() => page.locator("#webhook-last-event").textContent())
      .toMatch(/^Last event: just now \(Hard bounce for live2@example\.com\)\.$/);
  });
});
