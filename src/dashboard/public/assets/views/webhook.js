// @ts-check
// The callback URL: installed in Postmark with one click (and its state), or shown with its credentials to
// copy and paste by hand; rotated.
import {
  failureOf,
  getPostmarkConnection,
  getWebhook,
  installWebhook,
  rotateWebhook,
  uninstallWebhook,
} from "../api.js";
import { byId, clearNotice, confirmAction, notify, showFailure, whileBusy } from "../dom.js";
import { bounceTypeLabel } from "../labels.js";

const urlInput = byId("webhook-url", HTMLInputElement);
const rotate = byId("webhook-rotate", HTMLButtonElement);
const install = byId("webhook-install", HTMLButtonElement);
const uninstall = byId("webhook-uninstall", HTMLButtonElement);
const stateLine = byId("webhook-postmark-state", HTMLElement);
const lastEventLine = byId("webhook-last-event", HTMLElement);
const syncLine = byId("webhook-sync", HTMLElement);
// Each result next to what caused it: copying, installing or removing, rotating.
const copyNotice = byId("webhook-copy-notice", HTMLElement);
const installNotice = byId("webhook-install-notice", HTMLElement);
const notice = byId("webhook-notice", HTMLElement);
const rotateText = byId("rotate-text", HTMLElement);

/** Whether the webhook was installed in Postmark at the last look: the rotate dialog says what follows from it. */
let installed = false;

/** "2 minutes ago", "just now": how long ago `iso` was, in words. */
function ago(/** @type {string} */ iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return "just now";
  const [n, unit] =
    seconds < 5400
      ? [Math.round(seconds / 60), "minute"]
      : seconds < 129_600
        ? [Math.round(seconds / 3600), "hour"]
        : [Math.round(seconds / 86_400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

/** The health signal a tenant wants most: when Postmark last reached this service, and with what. */
function showLastEvent(/** @type {import("../api.js").LastEvent | null} */ event) {
  if (!event) {
    lastEventLine.textContent = "No event from Postmark yet: a bounce or complaint will show here.";
    return;
  }
  // Subscription changes carry Postmark's reason (or Reactivated) as their type: the same table says them.
  const what = bounceTypeLabel(event.type);
  lastEventLine.textContent = `Last event: ${ago(event.receivedAt)} (${what}${event.email ? ` for ${event.email}` : ""}).`;
  lastEventLine.title = new Date(event.receivedAt).toLocaleString();
}

/**
 * @param {"ok" | "error" | ""} kind
 * @param {string} text
 */
function showState(kind, text) {
  stateLine.className = `verification ${kind}`;
  stateLine.textContent = text;
}

/** Whether the webhook is installed in Postmark, as Postmark says (or as known here when it cannot be asked). */
async function refreshState() {
  try {
    const { reachable, reason, webhook, server, sync } = await getPostmarkConnection();
    install.disabled = false;
    installed = webhook.installed === true;
    uninstall.hidden = !installed;
    install.textContent = installed ? "Reinstall in Postmark" : "Install in Postmark";
    const waiting = [
      sync.pendingPushes > 0
        ? `${sync.pendingPushes} change${sync.pendingPushes === 1 ? "" : "s"} made here not yet taken by Postmark (retried)`
        : "",
      sync.failedPushes > 0 ? `${sync.failedPushes} refused by Postmark (see the suppression list)` : "",
    ].filter(Boolean);
    syncLine.hidden = waiting.length === 0;
    syncLine.textContent = waiting.length ? `${waiting.join("; ")}.` : "";
    const where = `stream ${webhook.stream}${server?.name ? ` of server ${server.name}` : ""}`;
    if (!reachable) {
      const known = webhook.installed ? ` Installed from here earlier (webhook ${webhook.webhookId}).` : "";
      showState("error", `Postmark could not be asked: ${reason}${known}`);
    } else if (webhook.installed) {
      showState("ok", `Installed in Postmark: webhook ${webhook.webhookId} on ${where}.`);
    } else {
      showState("", `Not installed in Postmark yet (${where}).`);
    }
  } catch (error) {
    const failure = failureOf(error);
    uninstall.hidden = true;
    installed = false;
    if (failure.code === "not_configured") {
      install.disabled = true;
      showState("", "Save the email settings first: installing needs the Server API token.");
    } else {
      showState("error", failure.message);
    }
  }
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "webhook",
  section: byId("view-webhook", HTMLElement),
  heading: byId("webhook-title", HTMLElement),
  focus: byId("webhook-title", HTMLElement),
  async load() {
    clearNotice(notice);
    try {
      const callback = await getWebhook();
      urlInput.value = callback.urlWithCredentials;
      showLastEvent(callback.lastEvent);
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
    await refreshState();
  },
  // GET /v1/email/postmark asks Postmark itself: every 30 s is plenty for "Last event" and the install state.
  refreshEveryMs: 30_000,
  updated: byId("webhook-updated", HTMLElement),
  async refresh() {
    try {
      showLastEvent((await getWebhook()).lastEvent);
    } catch {
      return false; // shown by the next refresh or action
    }
    await refreshState();
    return true;
  },
  forget() {
    urlInput.value = "";
    installed = false;
    showState("", "");
    lastEventLine.textContent = "";
    syncLine.hidden = true;
  },
};

byId("webhook-copy", HTMLButtonElement).addEventListener("click", async () => {
  if (!urlInput.value) return;
  try {
    await navigator.clipboard.writeText(urlInput.value);
    notify(
      copyNotice,
      "ok",
      "Copied the callback URL to the clipboard.",
      "Now paste it in Postmark as described below.",
    );
  } catch {
    urlInput.select();
    notify(copyNotice, "", "The browser did not allow copying: the URL is selected, press Ctrl+C (⌘C on a Mac).");
  }
});

install.addEventListener("click", async () => {
  clearNotice(installNotice);
  await whileBusy(install, async () => {
    try {
      const { webhookId, stream, created, import: imported } = await installWebhook();
      notify(
        installNotice,
        "ok",
        created ? "Installed in Postmark." : "The webhook in Postmark is up to date.",
        `Webhook ${webhookId} on stream ${stream} posts bounces, spam complaints and unsubscribes here.`,
        "failed" in imported
          ? `Postmark's suppression list was not imported: ${imported.failed} Import it from the suppression list.`
          : `Imported Postmark's suppression list: ${imported.added} new of ${imported.seen} addresses.`,
      );
    } catch (error) {
      showFailure(installNotice, failureOf(error));
    }
  });
  await refreshState();
});

uninstall.addEventListener("click", async () => {
  const confirmed = await confirmAction({
    title: "Remove the webhook from Postmark?",
    text: "Postmark stops telling this service about bounces, spam complaints and unsubscribes of this stream.",
    yes: "Remove from Postmark",
    danger: true,
  });
  if (!confirmed) return;
  clearNotice(installNotice);
  await whileBusy(uninstall, async () => {
    try {
      await uninstallWebhook();
      notify(
        installNotice,
        "ok",
        "Removed from Postmark.",
        "Install it again, or paste the URL by hand, to get events.",
      );
    } catch (error) {
      showFailure(installNotice, failureOf(error));
    }
  });
  await refreshState();
});

const rotateDialog = byId("rotate-dialog", HTMLDialogElement);
const keepOldUrl = byId("rotate-keep", HTMLInputElement);
const revokeOldUrl = byId("rotate-revoke", HTMLInputElement);

/**
 * Asks whether to rotate, and how long the old URL keeps working: 24 hours (the default) or not at all.
 * @returns {Promise<number | null>} the overlap in hours, or null when cancelled
 */
function askRotation() {
  keepOldUrl.checked = true; // each time: revoking is never the remembered choice
  // Said before, not after: an installed webhook gets the new credentials from here, nothing to paste.
  rotateText.textContent = installed
    ? "The webhook installed in Postmark gets the new credentials at once: there is nothing to paste."
    : "The webhook is not installed from here: paste the new URL in Postmark (or install it), or bounces stop arriving.";
  rotateDialog.returnValue = "";
  rotateDialog.showModal();
  return new Promise((resolve) =>
    rotateDialog.addEventListener(
      "close",
      () => resolve(rotateDialog.returnValue === "yes" ? (revokeOldUrl.checked ? 0 : 24) : null),
      { once: true },
    ),
  );
}

rotate.addEventListener("click", async () => {
  const overlapHours = await askRotation();
  if (overlapHours === null) return;
  await whileBusy(rotate, async () => {
    try {
      const rotated = await rotateWebhook(overlapHours);
      urlInput.value = rotated.urlWithCredentials;
      const oldUrl = overlapHours === 0 ? " The old URL no longer works." : "";
      if (rotated.postmark.updated) {
        notify(notice, "ok", `New credentials made, and put on the webhook in Postmark.${oldUrl}`, "Nothing to paste.");
      } else {
        notify(
          notice,
          "ok",
          `New credentials made.${oldUrl}`,
          `Not changed in Postmark: ${rotated.postmark.reason.replace(/\.$/, "")}.`,
          overlapHours === 0
            ? "Install in Postmark, or paste the new URL there now: until then Postmark's webhooks are refused."
            : "Install in Postmark, or paste the new URL there within 24 hours.",
        );
      }
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
  await refreshState();
});
