// "Send a test email" (POST /v1/email/test): the dialog, its spinner, and both outcomes,
// against the local mail server that stands in for smtp.postmarkapp.com.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSession, createTenant, localMailSettings, screenshot, signIn, tenantApi, waitForMail } from "./harness";

const session = browserSession();
let page: Page;

/** Fills the form so that it points at the local mail server, with `apiKey`, and saves it. */
async function saveLocalSettings(apiKey: string) {
  const settings = localMailSettings(apiKey);
  await page.getByLabel("SMTP host").fill(settings.host);
  await page.getByLabel("Port", { exact: true }).fill(String(settings.port));
  await page.getByLabel("Server API token").fill(apiKey);
  await page.getByLabel("From address").fill(settings.fromEmail);
  await page.getByRole("button", { name: "Save" }).click();
  await expect.poll(() => page.locator("#settings-notice").textContent()).toContain("Saved.");
}

async function sendTest(to: string, toName?: string) {
  await page.getByRole("button", { name: "Send a test email" }).click();
  const dialog = page.getByRole("dialog", { name: "Send a test email" });
  await expect.poll(() => dialog.isVisible()).toBe(true);
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("test-to");
  await dialog.getByLabel("Recipient address").fill(to);
  if (toName) await dialog.getByLabel("Recipient name").fill(toName);
  await dialog.getByRole("button", { name: "Send", exact: true }).click();
  return dialog;
}

describe("send a test email", () => {
  it("sends through the saved settings, shows success, and the message arrives", async () => {
    const tenant = await createTenant("Test-send tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await saveLocalSettings(localMailSettings().apiKey);

    // Hold the answer back a moment so the spinner can be seen.
    await page.route("**/v1/email/test", async (route) => {
      await new Promise((r) => setTimeout(r, 300));
      await route.continue();
    });
    const dialog = await sendTest("ada@example.com", "Ada Lovelace");
    await expect.poll(() => dialog.locator("#test-progress").isVisible()).toBe(true);
    expect(await dialog.getByRole("button", { name: "Send", exact: true }).isDisabled()).toBe(true);
    await screenshot(page, "test-send-sending");

    await expect
      .poll(() => dialog.locator("#test-result").textContent(), { timeout: 25_000 })
      .toContain("Sent to ada@example.com");
    expect(await dialog.locator("#test-result").textContent()).toContain(
      "Has it arrived in your inbox? Check the spam folder too",
    );
    expect(await dialog.locator("#test-progress").isHidden()).toBe(true);
    await screenshot(page, "test-send-success");

    const message = await waitForMail("ada@example.com");
    expect(message.secure).toBe(true);

    // Escape closes the dialog and gives focus back to the button that opened it.
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("open-test");
    // The settings page remembers the outcome, also after a reload.
    expect(await page.locator("#settings-last-test").textContent()).toContain(
      "Last test email: sent to ada@example.com",
    );
    await page.reload();
    await expect
      .poll(() => page.locator("#settings-last-test").textContent())
      .toContain("Last test email: sent to ada@example.com");
  });

  it("shows the auth error's message and hint when the mail server refuses the key", async () => {
    const tenant = await createTenant("Wrong-key tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await saveLocalSettings("wrong-server-token-0000");

    const dialog = await sendTest("grace@example.com");
    const result = dialog.locator("#test-result");
    await expect.poll(() => result.textContent(), { timeout: 25_000 }).not.toBe("");
    expect(await result.getAttribute("class")).toContain("error");
    expect(await result.getAttribute("role")).toBe("alert");

    // The words are the API's own message and hint for `auth_failed`.
    const answer = await (
      await tenantApi(tenant.token, "/v1/email/test", { method: "POST", json: { to: "grace@example.com" } })
    ).json();
    expect(answer).toMatchObject({ ok: false, error: { code: "auth_failed" } });
    expect(await result.textContent()).toContain(answer.error.message);
    expect(await result.textContent()).toContain(answer.error.hint);
    expect(answer.error.hint).toMatch(/token/i);
    await dialog.getByRole("button", { name: "Close" }).click();
    expect(await page.locator("#settings-last-test").textContent()).toContain(
      "Last test email to grace@example.com failed: API token refused (",
    );
  });

  it("shows the API's field error for a recipient that is not an address", async () => {
    const tenant = await createTenant("Bad-recipient tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await saveLocalSettings(localMailSettings().apiKey);

    const dialog = await sendTest("not-an-address");
    await expect.poll(() => dialog.locator("#test-to-error").textContent()).toMatch(/^Recipient address must be/);
    expect(await dialog.getByLabel("Recipient address").getAttribute("aria-invalid")).toBe("true");
  });
});
