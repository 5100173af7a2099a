// @ts-check
// The dashboard's entry module (no build step: the browser loads these ES modules as they are). It routes
// between the views by the URL fragment and handles signing out; each view lives in views/, the API calls
// in api.js, the DOM helpers in dom.js.
import { currentToken, forgetToken, onTokenRejected } from "./api.js";
import { byId, clearFieldErrors, clearNotice, notify } from "./dom.js";
import * as deliverability from "./views/deliverability.js";
import * as report from "./views/report.js";
import * as settings from "./views/settings.js";
import * as signin from "./views/signin.js";
import * as suppressions from "./views/suppressions.js";
import * as webhook from "./views/webhook.js";

const views = [signin.view, settings.view, webhook.view, report.view, suppressions.view, deliverability.view];
const nav = byId("nav", HTMLElement);
const signOutButton = byId("sign-out", HTMLButtonElement);
const signinNotice = byId("signin-notice", HTMLElement);

/** Shows the view the URL names (settings by default, sign-in while signed out) and loads it. */
function route() {
  const signedIn = Boolean(currentToken());
  const wanted = location.hash.slice(1);
  const shown = signedIn
    ? (views.find((view) => view.name === wanted && view !== signin.view) ?? settings.view)
    : signin.view;
  for (const view of views) view.section.hidden = view !== shown;
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#${shown.name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${shown.heading.textContent} · Postmark edge`;
  // Move focus to the new view so keyboard and screen-reader users land on it.
  shown.focus.focus();
  void shown.load?.();
}

/** Clears every form, list and message, so whoever signs in next in this tab sees nothing of the last tenant. */
function forgetTenantData() {
  for (const dialog of document.querySelectorAll("dialog")) dialog.close();
  for (const form of document.forms) {
    form.reset();
    clearFieldErrors(form);
  }
  for (const notice of document.querySelectorAll(".notice[id]")) {
    if (notice instanceof HTMLElement) clearNotice(notice);
  }
  for (const view of views) view.forget?.();
}

function signOut() {
  forgetToken();
  forgetTenantData();
  history.replaceState(null, "", location.pathname);
  route();
}

onTokenRejected(() => {
  signOut();
  notify(signinNotice, "error", "Your access token is no longer accepted (it may have been revoked): sign in again.");
});

signin.onSignedIn(() => {
  if (location.hash === "#settings") route();
  else location.hash = "settings";
});

signOutButton.addEventListener("click", () => {
  signOut();
  notify(signinNotice, "ok", "Signed out. The token was removed from this tab.");
});

window.addEventListener("hashchange", route);
route();
