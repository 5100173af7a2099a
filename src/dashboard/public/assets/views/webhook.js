// @ts-check
// The callback URL to paste in Postmark: shown with its credentials, copied, rotated.
import { failureOf, getWebhook, rotateWebhook } from "../api.js";
import { byId, clearNotice, confirmAction, notify, showFailure, whileBusy } from "../dom.js";

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

rotate.addEventListener("click", async () => {
  const confirmed = await confirmAction({
    title: "Make new callback credentials?",
    text: "The current URL keeps working for 24 hours. Paste the new URL in Postmark before then, or bounces stop arriving.",
    yes: "Rotate credentials",
    danger: true,
  });
  if (!confirmed) return;
  await whileBusy(rotate, async () => {
    try {
      urlInput.value = (await rotateWebhook()).urlWithCredentials;
      notify(notice, "ok", "New credentials made.", "Copy the new URL and paste it in Postmark within 24 hours.");
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
});
