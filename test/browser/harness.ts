/// <reference lib="dom" />
// (The DOM types are for the callbacks the tests hand to page.evaluate, which run in the page.)
// What the browser tests share: Debian's Chromium driven by playwright-core, a fresh tenant per test
// through the operator API, signing in, screenshots into test-results/, and reading the local mail server.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest";
import { hardBounce, spamComplaint } from "../fixtures/postmark-events";

export const stack = inject("stack");

/** TOOLCHAIN.md's flags for Debian's chromium, plus no QUIC (nothing here speaks it). */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh profile (its own --user-data-dir), removed again on close. */
async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), "postmark-edge-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
    headless: true,
    viewport: { width: 1100, height: 900 },
    permissions: ["clipboard-read", "clipboard-write"],
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * One browser for a test file and a fresh page per test: after each test the page is screenshotted into
 * test-results/ (named after the test) and the test fails if the dashboard threw or broke its CSP.
 */
export function browserSession() {
  let browser: Browser | undefined;
  let current: { page: Page; problems: string[] } | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async (ctx) => {
    if (!current) return;
    const { page, problems } = current;
    current = undefined;
    await screenshot(page, ctx.task.name.replace(/\W+/g, "-"));
    await page.close();
    expect(problems).toEqual([]);
  });
  return {
    async open(): Promise<Page> {
      const page = await browser!.context.newPage();
      // wrangler dev's local asset serving was seen to hold one module request for 29.4 s (after workerd logged
      // "Broken pipe" on a connection of the page closed before); Playwright's 30 s default left no margin.
      page.setDefaultNavigationTimeout(45_000);
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
      });
      current = { page, problems };
      return page;
    },
  };
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(stack.resultsDir, `${name}.png`), fullPage: true });
}

/** A fresh tenant through the operator API, so tests never share state. */
export async function createTenant(name: string) {
  const res = await fetch(`${stack.base}/v1/tenants`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  return res.json() as Promise<{ id: string; token: string; tokenId: string }>;
}

export async function revokeToken(tenant: { id: string; tokenId: string }) {
  const res = await fetch(`${stack.base}/v1/tenants/${tenant.id}/tokens/${tenant.tokenId}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${stack.adminToken}` },
  });
  expect(res.status).toBe(204);
}

/** Calls the API as the tenant, for set-up the test is not about. */
export function tenantApi(token: string, pathname: string, init: { method?: string; json?: unknown } = {}) {
  return fetch(stack.base + pathname, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${token}`, ...(init.json ? { "Content-Type": "application/json" } : {}) },
    body: init.json ? JSON.stringify(init.json) : undefined,
  });
}

/** Settings that reach the local mail server, which stands in for smtp.postmarkapp.com. */
export function localMailSettings(apiKey = stack.mailToken) {
  return {
    provider: "postmark",
    host: "127.0.0.1",
    port: stack.mailPort,
    fromEmail: "hello@acme.example",
    fromName: "Acme",
    messageStream: "outbound",
    apiKey,
  };
}

export async function signIn(page: Page, token: string) {
  await page.goto(`${stack.base}/`);
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Integrate Email → Postmark");
}

/** Waits for a message to `to` at the local mail server. */
export async function waitForMail(
  to: string,
  timeoutMs = 10_000,
): Promise<{ to: string[]; raw: string; secure: boolean }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const file of readdirSync(stack.mailDir)) {
      const message = JSON.parse(readFileSync(path.join(stack.mailDir, file), "utf8"));
      if (message.to.includes(to)) return message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no message to ${to} arrived at the local mail server within ${timeoutMs} ms`);
}

const EVENTS = { hardBounce, spamComplaint };

/**
 * One of the shared Postmark fixtures, happening now, with its own ID so it is never a duplicate
 * (a fresh ID below 2^53, so parsing the fixture's large one inexactly does not matter here).
 */
export function postmarkEvent(fixture: keyof typeof EVENTS, overrides: Record<string, unknown>) {
  const event = JSON.parse(EVENTS[fixture]);
  return { ...event, ID: Math.floor(Math.random() * 2 ** 52), BouncedAt: new Date().toISOString(), ...overrides };
}

/** Posts an event to a callback URL the way Postmark does: the URL's credentials as HTTP Basic auth. */
export async function postToCallback(urlWithCredentials: string, event: unknown) {
  const url = new URL(urlWithCredentials);
  const credentials = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString(
    "base64",
  );
  url.username = "";
  url.password = "";
  return fetch(url, {
    method: "POST",
    headers: { Authorization: `Basic ${credentials}`, "Content-Type": "application/json" },
    body: JSON.stringify(event),
  });
}
