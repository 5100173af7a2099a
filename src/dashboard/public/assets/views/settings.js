// @ts-check
// Email settings (Integrate Email -> Postmark) and the "Send a test email" dialog.

import { failureOf, getPostmarkConnection, getSettings, saveSettings, sendTestEmail } from "../api.js";
import {
  byId,
  clearFieldErrors,
  clearNotice,
  el,
  notify,
  setFieldError,
  showFailure,
  showFormFailure,
  whileBusy,
} from "../dom.js";
import { outcomeLabel } from "../labels.js";

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
const verificationLine = byId("settings-postmark", HTMLElement);
const streamChoiceField = byId("settings-streamChoice-field", HTMLElement);
const streamChoice = byId("settings-streamChoice", HTMLSelectElement);
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
    : `Last test email to ${lastTest.to} failed: ${outcomeLabel(lastTest.code ?? "")} (${when}).`;
  lastTestLine.title = lastTest.code ?? "";
}

/** What the one status line next to the token speaks of: the saved token and its last check. */
const known = {
  /** @type {import("../api.js").PostmarkVerification | null} */ postmark: null,
  /** @type {string | null} */ last4: null,
};

/**
 * The one status line next to the token: what is known of the saved token (which one, as of when), and why
 * not; `now` adds what was just learnt (a new token refused, Postmark not reachable). Nothing before a save.
 * @param {{ kind: "refused" } | { kind: "unreachable", reason: string } | null} now
 */
function showTokenStatus(now = null) {
  const postmark = known.postmark;
  verificationLine.hidden = !postmark && !now;
  if (verificationLine.hidden) return;
  const which = known.last4 ? `the saved token (ending ${known.last4})` : "the saved token";
  const when = postmark?.checkedAt ? ` (checked ${new Date(postmark.checkedAt).toLocaleString()})` : "";
  const saved = !postmark
    ? ""
    : postmark.verified
      ? `Postmark knows ${which}: server ${postmark.serverName}${when}.`
      : `Postmark has not confirmed ${which}: ${postmark.reason ?? "not checked yet"}${when}.`;
  if (now?.kind === "refused") {
    verificationLine.className = "verification error";
    verificationLine.textContent = `The new token was refused and not saved (see above).${saved ? ` Still in use: ${saved.replace(/^Postmark knows /, "")}` : ""}`;
  } else if (now?.kind === "unreachable") {
    verificationLine.className = "verification error";
    verificationLine.textContent = `Postmark cannot be asked right now (${now.reason.replace(/\.$/, "")}), so its streams are not listed: type the stream's id. Last known: ${saved || "nothing yet."}`;
  } else {
    verificationLine.className = `verification ${postmark?.verified ? "ok" : "error"}`;
    verificationLine.textContent = saved;
  }
}

/**
 * The stream as a choice among the server's outbound streams when Postmark listed them; as free text
 * otherwise (Postmark not reachable, or nothing saved yet). Only the control shown is named `messageStream`,
 * so the API's field error lands next to it; the text field always holds the value sent.
 * @param {import("../api.js").PostmarkConnection["streams"]} streams
 */
function showStreams(streams) {
  const current = inputs.messageStream.value;
  const textField = inputs.messageStream.closest(".field");
  const listed = streams !== null && streams.length > 0;
  if (listed) {
    const options = streams.map((s) => el("option", { value: s.id }, `${s.name} (${s.id}, ${s.type})`));
    if (current && !streams.some((s) => s.id === current)) {
      options.unshift(el("option", { value: current }, `${current} (not an outbound stream of this server)`));
    }
    streamChoice.replaceChildren(...options);
    streamChoice.value = current;
  }
  streamChoiceField.hidden = !listed;
  if (textField instanceof HTMLElement) textField.hidden = listed;
  streamChoice.name = listed ? "messageStream" : "";
  inputs.messageStream.name = listed ? "" : "messageStream";
}

streamChoice.addEventListener("change", () => {
  inputs.messageStream.value = streamChoice.value;
});

/** Asks Postmark (through the API) for the server's streams; free text when it cannot be asked. */
async function loadStreams() {
  try {
    const connection = await getPostmarkConnection();
    showStreams(connection.reachable ? connection.streams : null);
    if (!connection.reachable) showTokenStatus({ kind: "unreachable", reason: connection.reason ?? "no answer" });
  } catch {
    showStreams(null);
  }
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
  known.postmark = settings.postmark;
  known.last4 = settings.apiKey.set ? settings.apiKey.last4 : null;
  showTokenStatus();
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
      await loadStreams();
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === "not_configured") {
        showApiKeyState(null);
        known.postmark = null;
        showTokenStatus();
        showStreams(null);
        notify(notice, "", "Email is not set up yet: fill in your Postmark settings and save.");
      } else {
        showFailure(notice, failure);
      }
    }
  },
  forget() {
    showLastTest(null);
    known.postmark = null;
    known.last4 = null;
    showTokenStatus();
    showStreams(null);
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
      const saved = await saveSettings(settings);
      fillSettings(saved);
      notify(
        notice,
        "ok",
        "Saved.",
        saved.postmark.verified
          ? `Postmark knows this token: server ${saved.postmark.serverName}. Send a test email to check the rest.`
          : `Not verified with Postmark (${saved.postmark.reason}). Send a test email to check the settings.`,
      );
      await loadStreams();
    } catch (error) {
      const failure = failureOf(error);
      showFormFailure(notice, form, failure, "Some fields need attention: see the messages next to them.");
      // Never a green line about the saved token right under the red one about the new token.
      if (failure.code === "validation_failed" && failure.fields.apiKey) showTokenStatus({ kind: "refused" });
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
          // Postmark's bounce-testing addresses never reach an inbox: they bounce on purpose.
          /@bounce-testing\.postmarkapp\.com$/i.test(outcome.to)
            ? "This is one of Postmark's bounce-testing addresses: Postmark answers with a bounce, which shows in the email report and on the suppression list within a few seconds."
            : "Has it arrived in your inbox? Check the spam folder too.",
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
