// @ts-check
// Signing in: the token is tried against the API before it is kept in this tab.
import { failureOf, saveToken, tryToken } from "../api.js";
import { byId, clearFieldErrors, clearNotice, setFieldError, showFailure, whileBusy } from "../dom.js";

const form = byId("signin-form", HTMLFormElement);
const tokenInput = byId("signin-token", HTMLInputElement);
const submit = byId("signin-submit", HTMLButtonElement);
const notice = byId("signin-notice", HTMLElement);

/** @type {() => void} */
let signedIn = () => {};

/** What to do once a token is accepted and saved: set once by the entry module. */
export function onSignedIn(/** @type {() => void} */ handler) {
  signedIn = handler;
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "signin",
  section: byId("view-signin", HTMLElement),
  heading: byId("signin-title", HTMLElement),
  focus: tokenInput,
};

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = tokenInput.value.trim();
  clearFieldErrors(form);
  clearNotice(notice);
  if (!candidate) {
    setFieldError(tokenInput, "Paste the access token you were given.");
    tokenInput.focus();
    return;
  }
  await whileBusy(submit, async () => {
    try {
      await tryToken(candidate);
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === "unauthorized") {
        setFieldError(
          tokenInput,
          "This token was not accepted: check that it was copied whole, or ask your operator for a new one.",
        );
        tokenInput.focus();
      } else {
        showFailure(notice, failure);
      }
      return;
    }
    saveToken(candidate);
    tokenInput.value = "";
    signedIn();
  });
});
