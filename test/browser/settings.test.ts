// Signing in and the "Integrate Email -> Postmark" form, in a real Chromium.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSession, createTenant, revokeToken, screenshot, signIn, stack } from "./harness";

const session = browserSession();
let page: Page;

describe("sign in", () => {
  it("refuses a wrong token in words, accepts the right one, and signs out", async () => {
    const tenant = await createTenant("Sign-in tenant");
    page = await session.open();
    await page.goto(`${stack.base}/`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("signin-token");

    await page.getByLabel("Access token").fill("not-a-real-token");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#signin-token-error").textContent()).toContain("This token was not accepted");
    expect(await page.getByLabel("Access token").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Access token").fill(tenant.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Integrate Email → Postmark");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // A tenant that has not saved settings yet is told so, with the form prefilled for Postmark.
    await expect.poll(() => page.locator("#settings-notice").textContent()).toContain("not set up yet");
    expect(await page.getByLabel("SMTP host").inputValue()).toBe("smtp.postmarkapp.com");
    expect(await page.getByLabel("Port", { exact: true }).inputValue()).toBe("587");
    expect(await page.locator("#settings-messageStream").inputValue()).toBe("outbound");

    // Reloading keeps the session (sessionStorage), signing out forgets it.
    await page.reload();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Integrate Email → Postmark");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await expect.poll(() => page.locator("#signin-notice").textContent()).toContain("Signed out");
  });
});

describe("email settings", () => {
  it("shows the API's field error next to the invalid field, then saves once it is fixed", async () => {
    const tenant = await createTenant("Settings tenant");
    page = await session.open();
    await signIn(page, tenant.token);

    await page.getByLabel("Server API token").fill("0f0e0d0c-1111-2222-3333-44445555a1b2");
    await page.getByLabel("From address").fill("not an address");
    await page.getByLabel("From name").fill("Acme <News>");
    await page.getByRole("button", { name: "Save" }).click();

    const fromEmail = page.getByLabel("From address");
    await expect
      .poll(() => page.locator("#settings-fromEmail-error").textContent())
      .toBe("From address must be a valid email address such as name@example.com.");
    expect(await fromEmail.getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("settings-fromEmail");
    expect(await page.locator("#settings-notice").textContent()).toContain("Some fields need attention");
    await screenshot(page, "settings-invalid-field");

    await fromEmail.fill("news@acme.example");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#settings-notice").textContent()).toContain("Saved.");
    expect(await page.locator("#settings-fromEmail-error").isHidden()).toBe(true);
    expect(await fromEmail.getAttribute("aria-invalid")).toBeNull();
    // The key is write-only: the field is emptied and only its last four characters are shown.
    expect(await page.getByLabel("Server API token").inputValue()).toBe("");
    expect(await page.locator("#settings-apiKey-hint").textContent()).toContain("Set, ending a1b2");
    // User text is shown as text: the angle brackets come back as typed.
    expect(await page.getByLabel("From name").inputValue()).toBe("Acme <News>");

    // Postmark (the local stand-in) knows the token: its server is named next to it, and the stream is now a
    // choice among the server's outbound streams.
    expect(await page.locator("#settings-postmark").textContent()).toMatch(
      /^Postmark knows the saved token \(ending a1b2\): server Local Postmark server[ \d]* \(checked .+\)\.$/,
    );
    const streams = page.locator("#settings-streamChoice");
    await expect.poll(() => streams.isVisible()).toBe(true);
    expect(await page.locator("#settings-messageStream").isHidden()).toBe(true);
    expect(await streams.locator("option").allTextContents()).toEqual([
      "Default Transactional Stream (outbound, Transactional)",
      "Default Broadcast Stream (broadcast, Broadcasts)",
    ]);

    // Saving again with the key left blank keeps the stored key.
    await streams.selectOption("broadcast");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#settings-notice").textContent()).toContain("Saved.");
    await page.reload();
    await expect.poll(() => page.locator("#settings-streamChoice").inputValue()).toBe("broadcast");
    expect(await page.locator("#settings-apiKey-hint").textContent()).toContain("Set, ending a1b2");

    // A token Postmark refuses: its red error, and no line saying the saved token is known right under it.
    await page.getByLabel("Server API token").fill("refused-by-postmark-0000");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator("#settings-apiKey-error").isVisible()).toBe(true);
    const status = await page.locator("#settings-postmark").textContent();
    expect(status).toMatch(
      /^The new token was refused and not saved \(see above\)\. Still in use: the saved token \(ending a1b2\)/,
    );
    expect(status).not.toMatch(/verified|Postmark knows/i);
    expect(await page.locator("#settings-postmark").getAttribute("class")).toContain("error");
  });

  it("says in words when the service cannot be reached, answers oddly, or no longer takes the token", async () => {
    const tenant = await createTenant("Failure tenant");
    page = await session.open();
    await signIn(page, tenant.token);
    await page.getByLabel("From address").fill("news@acme.example");

    await page.route("**/v1/email/settings", (route) => route.abort("connectionrefused"));
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => page.locator("#settings-notice").textContent())
      .toBe("Could not reach the service: check your connection and try again.");

    await page.unroute("**/v1/email/settings");
    await page.route("**/v1/email/settings", (route) =>
      route.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad gateway</h1>" }),
    );
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => page.locator("#settings-notice").textContent())
      .toMatch(/^The service answered 502 .*try again in a moment\.$/);

    await page.unroute("**/v1/email/settings");
    await revokeToken(tenant);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in");
    expect(await page.locator("#signin-notice").textContent()).toContain("no longer accepted");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // Nothing the last tenant typed or saw stays behind for the next one to sign in here.
    expect(await page.locator("#settings-fromEmail").inputValue()).toBe("");
    expect(await page.locator("#settings-host").inputValue()).toBe("smtp.postmarkapp.com");
  });

  it("works from the keyboard alone", async () => {
    const tenant = await createTenant("Keyboard tenant");
    page = await session.open();
    await page.goto(`${stack.base}/`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("signin-token");
    await page.keyboard.type(tenant.token);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("settings-title");

    const focused = () => page.evaluate(() => document.activeElement?.id);
    const order: (string | undefined)[] = [];
    for (let i = 0; i < 9; i++) {
      await page.keyboard.press("Tab");
      order.push(await focused());
    }
    expect(order).toEqual([
      "settings-provider",
      "settings-host",
      "settings-port",
      "settings-apiKey",
      "settings-fromEmail",
      "settings-fromName",
      "settings-messageStream",
      "settings-save",
      "open-test",
    ]);
    // Enter on the focused button opens the test dialog with the recipient field focused; Escape closes it
    // and puts focus back where it was.
    await page.keyboard.press("Enter");
    await expect.poll(() => focused()).toBe("test-to");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    expect(await focused()).toBe("open-test");
  });

  it("is usable at phone width", async () => {
    const tenant = await createTenant("Phone tenant");
    page = await session.open();
    await page.setViewportSize({ width: 375, height: 740 });
    await signIn(page, tenant.token);
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.getByRole("link", { name: "Suppression list" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Suppression list");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});
