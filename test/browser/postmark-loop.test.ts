// Connecting to Postmark from the dashboard, all on this machine: the token verified on save, "Install in
// Postmark", then a test email to Postmark's bounce-testing address comes back as a bounce (the local
// Postmark API posts it to the installed webhook) and shows in the report and on the suppression list.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSession, createTenant, localMailSettings, screenshot, signIn, tenantApi, waitForMail } from "./harness";

const session = browserSession();
let page: Page;

async function openView(name: string, heading: string) {
  await page.getByRole("link", { name }).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(heading);
}

describe("install in Postmark, then a bounce-testing email", () => {
  it("comes back as a hard bounce in the report and on the list", async () => {
    const tenant = await createTenant("Postmark loop tenant");
    page = await session.open();
    await signIn(page, tenant.token);

    // Settings pointing at the local mail server; Postmark (the local API) names the server the token opens.
    const settings = localMailSettings();
    await page.getByLabel("SMTP host").fill(settings.host);
    await page.getByLabel("Port", { exact: true }).fill(String(settings.port));
    await page.getByLabel("Server API token").fill(settings.apiKey);
    await page.getByLabel("From address").fill(settings.fromEmail);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#settings-notice").textContent()).toContain("Saved.");
    expect(await page.locator("#settings-postmark").textContent()).toMatch(
      /^Postmark knows the saved token \(ending .{4}\): server Local Postmark server \(checked .+\)\.$/,
    );

    await openView("Callback URL", "Callback URL for bounces");
    const state = page.locator("#webhook-postmark-state");
    await expect.poll(() => state.textContent()).toMatch(/^Not installed in Postmark yet \(stream outbound/);
    await page.getByRole("button", { name: "Install in Postmark" }).click();
    await expect.poll(() => page.locator("#webhook-install-notice").textContent()).toContain("Installed in Postmark.");
    expect(await page.locator("#webhook-install-notice").textContent()).toContain(
      "Imported Postmark's suppression list",
    );
    await expect
      .poll(() => state.textContent())
      .toMatch(/^Installed in Postmark: webhook \d+ on stream outbound of server Local Postmark server\.$/);
    // Copy-paste stays as the fallback.
    expect(await page.getByLabel("Callback URL (with its credentials)").inputValue()).toContain(tenant.id);
    await screenshot(page, "postmark-installed");
    // Installed: the button offers to reinstall, and rotating says beforehand that there is nothing to paste.
    expect(await page.locator("#webhook-install").textContent()).toBe("Reinstall in Postmark");
    await page.getByRole("button", { name: "Rotate credentials…" }).click();
    const rotate = page.getByRole("dialog", { name: "Make new callback credentials?" });
    await expect.poll(() => rotate.textContent()).toContain("there is nothing to paste");
    await rotate.getByRole("button", { name: "Cancel" }).click();

    const address = "HardBounce@bounce-testing.postmarkapp.com";
    await openView("Email settings", "Integrate Email → Postmark");
    await page.getByRole("button", { name: "Send a test email" }).click();
    const dialog = page.getByRole("dialog", { name: "Send a test email" });
    await dialog.getByLabel("Recipient address").fill(address);
    await dialog.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => dialog.locator("#test-result").textContent(), { timeout: 25_000 }).toContain("Sent to");
    await waitForMail(address);
    await page.keyboard.press("Escape");

    await openView("Email report", "Email report");
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Show" }).click();
          return page.locator("#report-total").textContent();
        },
        { timeout: 10_000 },
      )
      .toBe("1");
    expect(await page.locator("#report-types").textContent()).toContain("Hard bounce");
    expect(await page.locator("#report-suppressed").textContent()).toBe("1");

    await openView("Suppression list", "Suppression list");
    const row = page.getByRole("row").filter({ hasText: address.toLowerCase() });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain("Hard bounce");
    await screenshot(page, "postmark-loop-bounce-listed");

    // The server has two outbound streams, so the list offers a stream filter.
    const added = await tenantApi(tenant.token, "/v1/suppressions", {
      method: "POST",
      json: { emails: ["news-only@example.com"], stream: "broadcast" },
    });
    expect(added.status).toBe(200);
    await expect.poll(() => page.locator("#suppressions-stream-field").isVisible()).toBe(true);
    await page.locator("#suppressions-stream").selectOption("broadcast");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => page.getByRole("row").filter({ hasText: "news-only@example.com" }).count()).toBe(1);
  });
});
