// @ts-check
// The callback URL to paste in Postmark: shown with its credentials, copied, rotated.
import { failureOf, getWebhook, rotateWebhook } from "../api.js";
import { byId, clearNotice, notify, showFailure, whileBusy } from "../dom.js";

const urlInput = byId("webhook-url", HTMLInputElement);
const rotate = byId("webhook-rotate", HTMLButtonElement);
const notice = byId("webhook-notice", HTMLElement);

/** @type {import("../dom.js").View} */
export const view = {
  name: "webhook",
  section: byId("view-webhook", HTMLElement),
  heading: byId("webhook-title", HTMLElement),
  focus: byId("webhook-title", HTMLElement),
  async load() {
    clearNotice(notice);
    try {
      urlInput.value = (await getWebhook()).urlWithCredentials;
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  },
  forget() {
    urlInput.value = "";
  },
};

byId("webhook-copy", HTMLButtonElement).addEventListener("click", async () => {
  if (!urlInput.value) return;
  try {
    await navigator.clipboard.writeText(urlInput.value);
    notify(notice, "ok", "Copied the callback URL to the clipboard.", "Now paste it in Postmark as described below.");
  } catch {
    urlInput.select();
    notify(notice, "", "The browser did not allow copying: the URL is selected, press Ctrl+C (⌘C on a Mac).");
  }
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
      urlInput.value = (await rotateWebhook(overlapHours)).urlWithCredentials;
      if (overlapHours === 0) {
        notify(
          notice,
          "ok",
          "New credentials made. The old URL no longer works.",
          "Paste the new URL in Postmark now.",
        );
      } else {
        notify(notice, "ok", "New credentials made.", "Copy the new URL and paste it in Postmark within 24 hours.");
      }
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
});
