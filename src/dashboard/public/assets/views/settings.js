// @ts-check
// Email settings (Integrate Email -> Postmark) and the "Send a test email" dialog.
import { failureOf, getSettings, saveSettings, sendTestEmail } from "../api.js";
import {
  byId,
  clearFieldErrors,
  clearNotice,
  notify,
  setFieldError,
  showFailure,
  showFormFailure,
  whileBusy,
} from "../dom.js";

const form = byId("settings-form", HTMLFormElement);
const inputs = {
  provider: byId("settings-provider", HTMLSelectElement),
  host: byId("settings-host", HTMLInputElement),
  port: byId("settings-port", HTMLInputElement),
  apiKey: byId("settings-apiKey", HTMLInputElement),
  fromEmail: byId("settings-fromEmail", HTMLInputElement),
  fromName: byId("settings-fromName", HTMLInputElement),
  messageStream: byId("settings-messageStream", HTMLInputElement),
};
const apiKeyHint = byId("settings-apiKey-hint", HTMLElement);
const save = byId("settings-save", HTMLButtonElement);
const lastTestLine = byId("settings-last-test", HTMLElement);
const notice = byId("settings-notice", HTMLElement);

/** @param {import("../api.js").EmailSettings["apiKey"] | null} apiKey */
function showApiKeyState(apiKey) {
  apiKeyHint.textContent = apiKey?.set
    ? `Set, ending ${apiKey.last4}. Leave blank to keep it; paste a new token to replace it.`
    : "Not set yet: paste the Server API token (Postmark: Servers → your server → API Tokens).";
}

/** The last test email's outcome, as the settings carry it (`lastTest`, null before the first). */
function showLastTest(/** @type {import("../api.js").LastTest | null} */ lastTest) {
  lastTestLine.hidden = !lastTest;
  if (!lastTest) return;
  const when = new Date(lastTest.at).toLocaleString();
  lastTestLine.textContent = lastTest.ok
    ? `Last test email: sent to ${lastTest.to} (${when}).`
    : `Last test email to ${lastTest.to} failed (${lastTest.code}, ${when}).`;
}

function fillSettings(/** @type {import("../api.js").EmailSettings} */ settings) {
  inputs.provider.value = settings.provider;
  inputs.host.value = settings.host;
  inputs.port.value = String(settings.port);
  inputs.fromEmail.value = settings.fromEmail;
  inputs.fromName.value = settings.fromName ?? "";
  inputs.messageStream.value = settings.messageStream;
  inputs.apiKey.value = "";
  showApiKeyState(settings.apiKey);
  showLastTest(settings.lastTest);
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "settings",
  section: byId("view-settings", HTMLElement),
  heading: byId("settings-title", HTMLElement),
  focus: byId("settings-title", HTMLElement),
  async load() {
    clearNotice(notice);
    clearFieldErrors(form);
    try {
      fillSettings(await getSettings());
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === "not_configured") {
        showApiKeyState(null);
        notify(notice, "", "Email is not set up yet: fill in your Postmark settings and save.");
      } else {
        showFailure(notice, failure);
      }
    }
  },
  forget() {
    showLastTest(null);
  },
};

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  clearNotice(notice);
  const port = inputs.port.value.trim();
  const apiKey = inputs.apiKey.value.trim();
  /** @type {import("../api.js").EmailSettingsInput} */
  const settings = {
    provider: inputs.provider.value,
    host: inputs.host.value.trim(),
    // A number when it is one; anything else goes as typed, so the API names the problem.
    port: /^\d+$/.test(port) ? Number(port) : port,
    fromEmail: inputs.fromEmail.value.trim(),
    fromName: inputs.fromName.value.trim() || null,
    messageStream: inputs.messageStream.value.trim(),
    ...(apiKey ? { apiKey } : {}),
  };
  await whileBusy(save, async () => {
    try {
      fillSettings(await saveSettings(settings));
      notify(notice, "ok", "Saved.", "Send a test email to check that Postmark accepts these settings.");
    } catch (error) {
      showFormFailure(notice, form, failureOf(error), "Some fields need attention: see the messages next to them.");
    }
  });
});

// ── Send a test email ──────────────────────────────────────────────────────────────────────────────────

const testDialog = byId("test-dialog", HTMLDialogElement);
const testForm = byId("test-form", HTMLFormElement);
const testTo = byId("test-to", HTMLInputElement);
const testToName = byId("test-toName", HTMLInputElement);
const testSend = byId("test-send", HTMLButtonElement);
const testProgress = byId("test-progress", HTMLElement);
const testResult = byId("test-result", HTMLElement);

byId("open-test", HTMLButtonElement).addEventListener("click", () => {
  clearFieldErrors(testForm);
  testResult.hidden = true;
  testProgress.hidden = true;
  testDialog.showModal();
  testTo.focus();
});
byId("test-close", HTMLButtonElement).addEventListener("click", () => testDialog.close());

testForm.addEventListener("submit", async (event) => {
  event.preventDefault(); // the form's method is "dialog": without this, sending would close it
  clearFieldErrors(testForm);
  testResult.hidden = true;
  const to = testTo.value.trim();
  const toName = testToName.value.trim();
  if (!to) {
    setFieldError(testTo, "Recipient address is required: enter the address to send the test to.");
    testTo.focus();
    return;
  }
  testProgress.hidden = false;
  testForm.setAttribute("aria-busy", "true");
  await whileBusy(testSend, async () => {
    try {
      const outcome = await sendTestEmail(toName ? { to, toName } : { to });
      if (outcome.ok) {
        showLastTest({ ok: true, code: null, to, at: new Date().toISOString() });
        notify(
          testResult,
          "ok",
          `Sent to ${outcome.to}.`,
          `From ${outcome.from} through ${outcome.host}:${outcome.port}${outcome.tls ? " with TLS" : ""} in ${outcome.elapsedMs} ms.`,
          "Has it arrived in your inbox? Check the spam folder too.",
        );
      } else {
        showLastTest({ ok: false, code: outcome.error.code, to, at: new Date().toISOString() });
        notify(testResult, "error", outcome.error.message, outcome.error.hint);
      }
    } catch (error) {
      showFormFailure(
        testResult,
        testForm,
        failureOf(error),
        "Check the recipient: see the message next to the field.",
      );
    } finally {
      testProgress.hidden = true;
      testForm.removeAttribute("aria-busy");
    }
  });
});
