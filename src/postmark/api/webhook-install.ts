// The tenant's webhook in Postmark: exactly one per stream points at the callback URL, found by its URL
// without credentials (so a URL pasted by hand with credentials in it is the same webhook).
import type { PostmarkApi, PostmarkWebhook, WebhookTriggers } from "./client";

export interface CallbackTarget {
  /** The callback URL without credentials. */
  url: string;
  stream: string;
  username: string;
  password: string;
}

/** A URL as Postmark's webhook list is compared: no credentials, host lower-cased, default port dropped. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return url;
  }
}

/** The webhooks of the stream that post to the callback URL, oldest first. */
async function callbackWebhooks(api: PostmarkApi, target: Pick<CallbackTarget, "url" | "stream">) {
  const wanted = withoutCredentials(target.url);
  const webhooks = await api.listWebhooks(target.stream);
  return webhooks
    .filter((w) => w.MessageStream === target.stream && withoutCredentials(w.Url) === wanted)
    .sort((a, b) => a.ID - b.ID);
}

/** The three events this service needs are on; Open, Click and Delivery keep what they were (off when new). */
function triggersFor(existing: WebhookTriggers | undefined): Required<WebhookTriggers> {
  return {
    Open: existing?.Open ?? { Enabled: false, PostFirstOpenOnly: false },
    Click: existing?.Click ?? { Enabled: false },
    Delivery: existing?.Delivery ?? { Enabled: false },
    Bounce: { Enabled: true, IncludeContent: existing?.Bounce?.IncludeContent ?? false },
    SpamComplaint: { Enabled: true, IncludeContent: existing?.SpamComplaint?.IncludeContent ?? false },
    SubscriptionChange: { Enabled: true },
  };
}

export interface InstallResult {
  webhookId: number;
  created: boolean;
}

/**
 * Creates the webhook, or updates the one already there (credentials, triggers, and a URL without
 * credentials in it). Copies made by hand beside it are removed, so exactly one remains.
 */
export async function installWebhook(api: PostmarkApi, target: CallbackTarget): Promise<InstallResult> {
  const [first, ...copies] = await callbackWebhooks(api, target);
  const auth = { Username: target.username, Password: target.password };
  if (!first) {
    const created = await api.createWebhook({
      Url: target.url,
      MessageStream: target.stream,
      HttpAuth: auth,
      Triggers: triggersFor(undefined),
    });
    return { webhookId: created.ID, created: true };
  }
  await api.updateWebhook(first.ID, { Url: target.url, HttpAuth: auth, Triggers: triggersFor(first.Triggers) });
  for (const copy of copies) await api.deleteWebhook(copy.ID);
  return { webhookId: first.ID, created: false };
}

/** Removes every webhook of the stream that posts to the callback URL; returns their ids. */
export async function uninstallWebhook(
  api: PostmarkApi,
  target: Pick<CallbackTarget, "url" | "stream">,
): Promise<number[]> {
  const found = await callbackWebhooks(api, target);
  for (const webhook of found) await api.deleteWebhook(webhook.ID);
  return found.map((w) => w.ID);
}

/** Puts new credentials on the installed webhook (after a rotation); null when none is installed. */
export async function updateWebhookCredentials(api: PostmarkApi, target: CallbackTarget): Promise<number | null> {
  const [first] = await callbackWebhooks(api, target);
  if (!first) return null;
  await api.updateWebhook(first.ID, {
    Url: target.url,
    HttpAuth: { Username: target.username, Password: target.password },
  });
  return first.ID;
}

/** The installed webhook as GET /v1/email/postmark shows it. */
export async function findInstalledWebhook(
  api: PostmarkApi,
  target: Pick<CallbackTarget, "url" | "stream">,
): Promise<PostmarkWebhook | null> {
  return (await callbackWebhooks(api, target))[0] ?? null;
}

/** A webhook's triggers as the API shows them: which events Postmark posts. */
export function triggerView(triggers: WebhookTriggers) {
  return {
    bounce: triggers.Bounce?.Enabled ?? false,
    spamComplaint: triggers.SpamComplaint?.Enabled ?? false,
    subscriptionChange: triggers.SubscriptionChange?.Enabled ?? false,
    open: triggers.Open?.Enabled ?? false,
    click: triggers.Click?.Enabled ?? false,
    delivery: triggers.Delivery?.Enabled ?? false,
  };
}
