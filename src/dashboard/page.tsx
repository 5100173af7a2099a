// The dashboard's one HTML document. It holds no tenant data: the script (/assets/app.js and the modules it
// imports) signs in with a token kept in sessionStorage and fills each view by fetching the JSON API, exactly
// as an external dashboard would. Every id the script looks up is here (test/dashboard.test.ts checks it).

import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { DEFAULT_STREAM, SUPPRESSION_REASONS, type SuppressionReason } from "../model/suppression";
import { DeliverabilityView } from "./deliverability-view";

/** The dashboard's words for each reason: the filter's options, which the script also uses for the rows. */
const REASON_LABELS: Record<SuppressionReason, string> = {
  hard_bounce: "Hard bounce",
  spam_complaint: "Spam complaint",
  unsubscribe: "Unsubscribed",
  manual: "Added manually",
  soft_bounce: "Repeated soft bounces",
};

/** A labelled input with a hint and an error line the script fills from the API's `fields`. */
export function Field(props: {
  id: string;
  label: string;
  hint?: Child;
  type?: string;
  value?: string;
  autocomplete?: string;
  form?: string;
  inputmode?: "numeric" | "email";
}) {
  const described = [props.hint ? `${props.id}-hint` : "", `${props.id}-error`].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        id={props.id}
        name={props.id.replace(/^[a-z]+-/, "")}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete ?? "off"}
        inputmode={props.inputmode}
        aria-describedby={described}
        spellcheck={false}
      />
      <p class="field-error" id={`${props.id}-error`} hidden></p>
    </div>
  );
}

export function View(props: { id: string; title: string; children: Child }) {
  return (
    <section id={`view-${props.id}`} class="view" aria-labelledby={`${props.id}-title`} hidden>
      <h1 id={`${props.id}-title`} tabindex={-1}>
        {props.title}
      </h1>
      {props.children}
    </section>
  );
}

/** A live region for a view's outcome: errors as alerts, successes as status. */
/** The buttons of a yes/no dialog (form method="dialog"): the dialog's returnValue is "yes" or "no". */
const YesOrCancel = (props: { yes: string; id?: string; danger?: boolean }) => (
  <div class="actions">
    <button type="submit" value="yes" id={props.id} class={props.danger ? "danger" : undefined}>
      {props.yes}
    </button>
    <button type="submit" value="no" class="secondary" autofocus>
      Cancel
    </button>
  </div>
);

export const Notice = (props: { id: string }) => (
  <div id={props.id} class="notice" role="status" aria-live="polite" hidden></div>
);

export function DashboardPage() {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Postmark edge</title>
          <link rel="stylesheet" href="/assets/app.css" />
          <script type="module" src="/assets/app.js"></script>
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <p class="brand">Postmark edge</p>
            <nav aria-label="Dashboard" id="nav" hidden>
              <ul>
                <li>
                  <a href="#settings">Email settings</a>
                </li>
                <li>
                  <a href="#webhook">Callback URL</a>
                </li>
                <li>
                  <a href="#report">Email report</a>
                </li>
                <li>
                  <a href="#suppressions">Suppression list</a>
                </li>
                <li>
                  <a href="#deliverability">Deliverability</a>
                </li>
              </ul>
            </nav>
            <button type="button" id="sign-out" class="secondary" hidden>
              Sign out
            </button>
          </header>

          <main id="main">
            <noscript>
              <p class="notice error">The dashboard needs JavaScript: turn it on for this site.</p>
            </noscript>

            <View id="signin" title="Sign in">
              <p>
                Paste your tenant access token. It stays in this browser tab only and is forgotten when you close it.
              </p>
              <form id="signin-form" novalidate>
                <Field id="signin-token" label="Access token" type="password" />
                <button type="submit" id="signin-submit">
                  Sign in
                </button>
              </form>
              <Notice id="signin-notice" />
            </View>

            <View id="settings" title="Integrate Email → Postmark">
              <p>
                Mail from your platform is sent through Postmark over SMTP with STARTTLS. Enter your Postmark server's
                settings.
              </p>
              <form id="settings-form" novalidate>
                <div class="field">
                  <label for="settings-provider">Provider</label>
                  <select id="settings-provider" name="provider" aria-describedby="settings-provider-error">
                    <option value="postmark">Postmark</option>
                  </select>
                  <p class="field-error" id="settings-provider-error" hidden></p>
                </div>
                <div class="row">
                  <Field id="settings-host" label="SMTP host" value="smtp.postmarkapp.com" />
                  <Field id="settings-port" label="Port" value="587" inputmode="numeric" />
                </div>
                <Field
                  id="settings-apiKey"
                  label="Server API token"
                  type="password"
                  autocomplete="new-password"
                  hint="Postmark: Servers → your server → API Tokens. Not set yet."
                />
                <p id="settings-postmark" class="verification" role="status" hidden></p>
                <div class="row">
                  <Field
                    id="settings-fromEmail"
                    label="From address"
                    type="email"
                    autocomplete="email"
                    hint="A confirmed Sender Signature or an address on a verified domain."
                  />
                  <Field id="settings-fromName" label="From name (optional)" />
                </div>
                <Field
                  id="settings-messageStream"
                  label="Message stream"
                  value={DEFAULT_STREAM}
                  hint="The Postmark message stream id; transactional mail usually uses outbound."
                />
                {/* Shown instead of the text field once Postmark has listed the server's outbound streams. */}
                <div class="field" id="settings-streamChoice-field" hidden>
                  <label for="settings-streamChoice">Message stream</label>
                  <p class="hint" id="settings-streamChoice-hint">
                    The outbound streams of your Postmark server.
                  </p>
                  <select
                    id="settings-streamChoice"
                    aria-describedby="settings-streamChoice-hint settings-streamChoice-error"
                  ></select>
                  <p class="field-error" id="settings-streamChoice-error" hidden></p>
                </div>
                <div class="actions">
                  <button type="submit" id="settings-save">
                    Save
                  </button>
                  <button type="button" id="open-test" class="secondary">
                    Send a test email
                  </button>
                </div>
                <p id="settings-last-test" class="hint" hidden></p>
              </form>
              <Notice id="settings-notice" />
            </View>

            <View id="webhook" title="Callback URL for bounces">
              <p>
                Postmark tells this service about bounces, spam complaints and unsubscribes through this URL, so those
                addresses stop receiving mail.
              </p>
              <div class="field">
                <label for="webhook-url">Callback URL (with its credentials)</label>
                <div class="copy">
                  <input id="webhook-url" type="text" readonly spellcheck={false} />
                  <button type="button" id="webhook-copy">
                    Copy
                  </button>
                </div>
              </div>
              <Notice id="webhook-copy-notice" />
              <p id="webhook-last-event" class="last-event" role="status"></p>
              <p class="hint updated" id="webhook-updated"></p>
              <h2>Install it in Postmark</h2>
              <p>
                One click puts this URL, with its credentials and the Bounce, Spam Complaint and Subscription Change
                triggers, on the message stream of your email settings. Installing again changes nothing but the
                credentials: there is never a second webhook.
              </p>
              <p id="webhook-postmark-state" class="verification" role="status"></p>
              <div class="actions">
                <button type="button" id="webhook-install">
                  Install in Postmark
                </button>
                <button type="button" id="webhook-uninstall" class="secondary" hidden>
                  Remove from Postmark…
                </button>
              </div>
              <p id="webhook-sync" class="hint" hidden></p>
              <Notice id="webhook-install-notice" />
              <h2>Or paste it in Postmark by hand</h2>
              <ol class="steps">
                <li>
                  In Postmark, open <strong>Servers</strong>, then your server.
                </li>
                <li>
                  Open <strong>Settings → Webhooks</strong>, choose <strong>Add webhook</strong> and the{" "}
                  <strong>Outbound</strong> message stream (the one in your email settings).
                </li>
                <li>
                  Paste the URL above as the <strong>Webhook URL</strong>.
                </li>
                <li>
                  Tick the triggers <strong>Bounce</strong>, <strong>Spam Complaint</strong> and{" "}
                  <strong>Subscription Change</strong>, then save.
                </li>
              </ol>
              <h2>Rotate the credentials</h2>
              <p>
                If the URL was shared by mistake, make new credentials. The old ones can keep working for 24 hours, long
                enough to paste the new URL in Postmark, or stop at once if the URL leaked; a webhook installed from
                here gets the new ones at once.
              </p>
              <button type="button" id="webhook-rotate" class="secondary">
                Rotate credentials…
              </button>
              <Notice id="webhook-notice" />
            </View>

            <View id="report" title="Email report">
              <form id="report-form" class="inline-form" novalidate>
                <div class="field">
                  <label for="report-from">From</label>
                  <input id="report-from" name="from" type="date" aria-describedby="report-from-error" />
                  <p class="field-error" id="report-from-error" hidden></p>
                </div>
                <div class="field">
                  <label for="report-to">To</label>
                  <input id="report-to" name="to" type="date" aria-describedby="report-to-error" />
                  <p class="field-error" id="report-to-error" hidden></p>
                </div>
                <button type="submit">Show</button>
              </form>
              <div class="actions" id="report-presets">
                <button type="button" class="secondary" data-days="7">
                  Last 7 days
                </button>
                <button type="button" class="secondary" data-days="30">
                  Last 30 days
                </button>
                <button type="button" class="secondary" data-days="90">
                  Last 90 days
                </button>
              </div>
              <p class="hint updated" id="report-updated"></p>
              <Notice id="report-notice" />
              <div id="report-body" hidden>
                <dl class="stats">
                  <div>
                    <dt>Bounces</dt>
                    <dd id="report-total">0</dd>
                  </div>
                  <div>
                    <dt>Spam complaints</dt>
                    <dd id="report-spam">0</dd>
                  </div>
                  <div>
                    <dt>Currently suppressed</dt>
                    <dd id="report-suppressed">0</dd>
                  </div>
                </dl>
                <h2>Bounces per day</h2>
                <figure id="report-chart" class="chart"></figure>
                <h2>By type</h2>
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col" class="num">
                        Bounces
                      </th>
                    </tr>
                  </thead>
                  <tbody id="report-types"></tbody>
                </table>
              </div>
            </View>

            <DeliverabilityView />

            <View id="suppressions" title="Suppression list">
              <p>
                Addresses on this list are not mailed. Postmark's bounces and complaints add them; you can add and
                reactivate addresses here.
              </p>
              {/* biome-ignore lint/a11y/useSemanticElements: <search> is newer than the browsers a dashboard must serve */}
              <form id="suppressions-filter" class="inline-form" role="search" novalidate>
                <div class="field">
                  <label for="suppressions-email">Search addresses</label>
                  <input id="suppressions-email" name="email" type="search" spellcheck={false} />
                </div>
                <div class="field">
                  <label for="suppressions-reason">Reason</label>
                  <select id="suppressions-reason" name="reason">
                    <option value="">All reasons</option>
                    {SUPPRESSION_REASONS.map((reason) => (
                      <option value={reason}>{REASON_LABELS[reason]}</option>
                    ))}
                  </select>
                </div>
                {/* Shown only when the Postmark server has more than one outbound stream (the script fills it). */}
                <div class="field" id="suppressions-stream-field" hidden>
                  <label for="suppressions-stream">Stream</label>
                  <select id="suppressions-stream" name="stream">
                    <option value="">All streams</option>
                  </select>
                </div>
                <button type="submit">Search</button>
                <button type="button" id="suppressions-export" class="secondary">
                  Export CSV
                </button>
              </form>
              <div class="actions">
                <button type="button" id="suppressions-import" class="secondary">
                  Import from Postmark
                </button>
                <p class="hint">
                  Brings in what Postmark suppressed on your message stream before the webhook was set up. With the
                  settings saved, changes made here are sent to Postmark too.
                </p>
              </div>
              <p class="hint updated" id="suppressions-updated"></p>
              <Notice id="suppressions-notice" />
              <table class="table" id="suppressions-table" data-default-stream={DEFAULT_STREAM}>
                <caption class="visually-hidden">Suppressed addresses</caption>
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Since</th>
                    <th scope="col">Details</th>
                    <th scope="col">
                      <span class="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody id="suppressions-rows"></tbody>
              </table>
              <p id="suppressions-empty" hidden>
                No suppressed addresses match.
              </p>
              <div class="actions">
                <button type="button" id="suppressions-prev" class="secondary" disabled>
                  Previous page
                </button>
                <span id="suppressions-page" class="hint" aria-live="polite"></span>
                <button type="button" id="suppressions-next" class="secondary" disabled>
                  Next page
                </button>
              </div>
              <h2>Add addresses</h2>
              <form id="suppressions-add" novalidate>
                <div class="field">
                  <label for="suppressions-add-emails">Addresses, one per line</label>
                  <textarea
                    id="suppressions-add-emails"
                    name="emails"
                    rows={3}
                    spellcheck={false}
                    aria-describedby="suppressions-add-emails-error"
                  ></textarea>
                  <p class="field-error" id="suppressions-add-emails-error" hidden></p>
                </div>
                <button type="submit" id="suppressions-add-submit">
                  Add to the list
                </button>
              </form>
            </View>
          </main>

          <dialog id="test-dialog" aria-labelledby="test-title">
            <form id="test-form" method="dialog" novalidate>
              <h2 id="test-title">Send a test email</h2>
              <p class="hint">Sent with the saved settings.</p>
              <Field id="test-to" label="Recipient address" type="email" autocomplete="email" />
              <Field id="test-toName" label="Recipient name (optional)" autocomplete="name" />
              <div id="test-progress" class="progress" role="status" aria-live="polite" hidden>
                <span class="spinner" aria-hidden="true"></span> Sending…
              </div>
              <div id="test-result" class="notice" role="status" aria-live="polite" hidden></div>
              <div class="actions">
                <button type="submit" id="test-send">
                  Send
                </button>
                <button type="button" id="test-close" class="secondary">
                  Close
                </button>
              </div>
            </form>
          </dialog>

          <dialog id="rotate-dialog" aria-labelledby="rotate-title" aria-describedby="rotate-text">
            <form id="rotate-form" method="dialog">
              <h2 id="rotate-title">Make new callback credentials?</h2>
              <p id="rotate-text"></p>
              <fieldset class="choices">
                <legend>The current URL</legend>
                <div class="choice">
                  <input type="radio" name="overlap" id="rotate-keep" value="24" checked />
                  <label for="rotate-keep">Keep the old URL working for 24 hours</label>
                </div>
                <div class="choice">
                  <input type="radio" name="overlap" id="rotate-revoke" value="0" />
                  <label for="rotate-revoke">Revoke it now</label>
                </div>
                <p class="hint">
                  Revoke it if the URL leaked: Postmark's webhooks are refused until the new URL is pasted there.
                </p>
              </fieldset>
              <YesOrCancel yes="Rotate credentials" danger />
            </form>
          </dialog>

          <dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
            <form method="dialog">
              <h2 id="confirm-title">Are you sure?</h2>
              <p id="confirm-text"></p>
              <YesOrCancel yes="Confirm" id="confirm-yes" />
            </form>
          </dialog>
        </body>
      </html>
    </>
  );
}
