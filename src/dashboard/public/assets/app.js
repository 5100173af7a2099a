// The dashboard's behaviour, in plain JavaScript (no build step). Every view is filled by fetching the JSON
// API with the tenant's access token, kept in sessionStorage only. Everything that came from the API or the
// user is inserted as text (textContent, createElement), never as HTML.

const TOKEN_KEY = "postmark-edge.token";
const VIEWS = ["settings", "webhook", "report", "suppressions"];
const PAGE_SIZE = 25;
const REASON_LABELS = {
  hard_bounce: "Hard bounce",
  spam_complaint: "Spam complaint",
  unsubscribe: "Unsubscribed",
  manual: "Added manually",
};

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, so they are never parsed as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// ── API ────────────────────────────────────────────────────────────────────────────────────────────────

class ApiFailure extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

/** Calls the API with the session's token; any failure becomes an ApiFailure carrying the API's own words. */
async function api(path, { method = "GET", json, raw = false, bearer = token() } = {}) {
  const headers = { Authorization: `Bearer ${bearer}` };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  } catch {
    throw new ApiFailure(0, "network_error", "Could not reach the service: check your connection and try again.");
  }
  if (!res.ok) {
    let error = null;
    try {
      error = (await res.json()).error;
    } catch {
      // not the API's JSON error shape (a proxy or the platform answered)
    }
    const failure = new ApiFailure(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? `The service answered ${res.status} ${res.statusText}: try again in a moment.`,
      error?.fields,
    );
    if (res.status === 401 && bearer === token()) {
      signOut("Your access token is no longer accepted (it may have been revoked): sign in again.");
    }
    throw failure;
  }
  if (raw) return res;
  return res.status === 204 ? null : res.json();
}

// ── Notices and field errors ───────────────────────────────────────────────────────────────────────────

/** Shows an outcome in a view's notice box: a title line and optional detail lines. */
function notify(id, kind, title, ...lines) {
  const box = $(id);
  box.className = `notice ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.replaceChildren(el("p", { class: "title" }, title), ...lines.filter(Boolean).map((line) => el("p", {}, line)));
  box.hidden = false;
}

function clearNotice(id) {
  $(id).hidden = true;
  $(id).replaceChildren();
}

/** A failed request in words; a 401 has already signed the user out and said why, so it is not repeated. */
function showFailure(id, failure) {
  if (failure.status !== 401) notify(id, "error", failure.message);
}

function labelOf(input) {
  const label = document.querySelector(`label[for="${input.id}"]`);
  return (label?.textContent ?? input.name).replace(/\s*\(optional\)$/, "");
}

function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const line of form.querySelectorAll(".field-error")) {
    line.hidden = true;
    line.textContent = "";
  }
}

function setFieldError(input, message) {
  const line = $(`${input.id}-error`);
  line.textContent = message;
  line.hidden = false;
  input.setAttribute("aria-invalid", "true");
}

/**
 * Puts the API's `fields` next to the inputs named `<prefix>-<field>` and focuses the first one.
 * Returns the problems no input on the form matches, to be shown in the form's notice.
 */
function showFieldErrors(prefix, fields = {}) {
  const unmatched = [];
  let first = null;
  for (const [field, problem] of Object.entries(fields)) {
    const input = $(`${prefix}-${field.split(".").pop()}`) ?? $(`${prefix}-${field.split(".")[0]}`);
    if (!input?.matches("input, select, textarea")) {
      unmatched.push(`${field} ${problem}`);
      continue;
    }
    setFieldError(input, `${labelOf(input)} ${problem}.`.replace(/\.\.$/, "."));
    first ??= input;
  }
  first?.focus();
  return unmatched;
}

/** A busy state for a button while its request runs, so it cannot be sent twice. */
async function whileBusy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** An accessible yes/no question in a modal dialog; resolves true when confirmed. */
function confirmAction(title, text, yesLabel, danger = false) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yesLabel;
  $("confirm-yes").className = danger ? "danger" : "";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }),
  );
}

// ── Navigation and sign-in ─────────────────────────────────────────────────────────────────────────────

const loaders = {};

function route() {
  const signedIn = Boolean(token());
  let name = location.hash.slice(1);
  if (!signedIn) name = "signin";
  else if (!VIEWS.includes(name)) name = "settings";

  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== `view-${name}`;
  $("nav").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${$(`${name}-title`).textContent} · Postmark edge`;
  // Move focus to the new view's heading so keyboard and screen-reader users land on it.
  (name === "signin" ? $("signin-token") : $(`${name}-title`)).focus();
  loaders[name]?.();
}

function go(name) {
  if (location.hash === `#${name}`) route();
  else location.hash = name;
}

/** Clears every form, list and message, so whoever signs in next in this tab sees nothing of the last tenant. */
function forgetTenantData() {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  for (const form of document.querySelectorAll("form")) {
    form.reset();
    clearFieldErrors(form);
  }
  for (const notice of document.querySelectorAll(".notice[id]")) clearNotice(notice.id);
  $("webhook-url").value = "";
  showLastTest(null);
  $("report-body").hidden = true;
  $("suppressions-rows").replaceChildren();
  list.cursors = [null];
  list.page = 0;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  forgetTenantData();
  history.replaceState(null, "", location.pathname);
  route();
  if (message) notify("signin-notice", "error", message);
}

$("sign-out").addEventListener("click", () => {
  signOut();
  notify("signin-notice", "ok", "Signed out. The token was removed from this tab.");
});

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const input = $("signin-token");
  const candidate = input.value.trim();
  clearFieldErrors(form);
  clearNotice("signin-notice");
  if (!candidate) {
    setFieldError(input, "Paste the access token you were given.");
    input.focus();
    return;
  }
  await whileBusy(form.querySelector("button"), async () => {
    try {
      // Any tenant route proves the token; "not configured yet" is a valid answer for a new tenant.
      await api("/v1/email/settings", { bearer: candidate });
    } catch (failure) {
      if (failure.code === "unauthorized") {
        setFieldError(
          input,
          "This token was not accepted: check that it was copied whole, or ask your operator for a new one.",
        );
        input.focus();
        return;
      }
      if (failure.code !== "not_configured") return showFailure("signin-notice", failure);
    }
    sessionStorage.setItem(TOKEN_KEY, candidate);
    input.value = "";
    go("settings");
  });
});

// ── Email settings ─────────────────────────────────────────────────────────────────────────────────────

const settingsForm = $("settings-form");

function showApiKeyState(apiKey) {
  $("settings-apiKey-hint").textContent = apiKey?.set
    ? `Set, ending ${apiKey.last4}. Leave blank to keep it; paste a new token to replace it.`
    : "Not set yet: paste the Server API token (Postmark: Servers → your server → API Tokens).";
}

/** The last test email's outcome, as the settings carry it (`lastTest`, null before the first). */
function showLastTest(lastTest) {
  const line = $("settings-last-test");
  line.hidden = !lastTest;
  if (!lastTest) return;
  const when = new Date(lastTest.at).toLocaleString();
  line.textContent = lastTest.ok
    ? `Last test email: sent to ${lastTest.to} (${when}).`
    : `Last test email to ${lastTest.to} failed (${lastTest.code}, ${when}).`;
}

function fillSettings(settings) {
  $("settings-provider").value = settings.provider;
  $("settings-host").value = settings.host;
  $("settings-port").value = String(settings.port);
  $("settings-fromEmail").value = settings.fromEmail;
  $("settings-fromName").value = settings.fromName ?? "";
  $("settings-messageStream").value = settings.messageStream;
  $("settings-apiKey").value = "";
  showApiKeyState(settings.apiKey);
  showLastTest(settings.lastTest);
}

loaders.settings = async () => {
  clearNotice("settings-notice");
  clearFieldErrors(settingsForm);
  try {
    fillSettings(await api("/v1/email/settings"));
  } catch (failure) {
    if (failure.code === "not_configured") {
      showApiKeyState(null);
      notify("settings-notice", "", "Email is not set up yet: fill in your Postmark settings and save.");
    } else {
      showFailure("settings-notice", failure);
    }
  }
};

settingsForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(settingsForm);
  clearNotice("settings-notice");
  const value = (name) => $(`settings-${name}`).value.trim();
  const port = value("port");
  const body = {
    provider: value("provider"),
    host: value("host"),
    // A number when it is one; anything else goes as typed, so the API names the problem.
    port: /^\d+$/.test(port) ? Number(port) : port,
    fromEmail: value("fromEmail"),
    fromName: value("fromName") || null,
    messageStream: value("messageStream"),
  };
  if (value("apiKey")) body.apiKey = value("apiKey");
  await whileBusy(settingsForm.querySelector("button[type=submit]"), async () => {
    try {
      fillSettings(await api("/v1/email/settings", { method: "PUT", json: body }));
      notify("settings-notice", "ok", "Saved.", "Send a test email to check that Postmark accepts these settings.");
    } catch (failure) {
      if (failure.code === "validation_failed") {
        const other = showFieldErrors("settings", failure.fields);
        notify("settings-notice", "error", "Some fields need attention: see the messages next to them.", ...other);
      } else {
        showFailure("settings-notice", failure);
      }
    }
  });
});

// ── Send a test email ──────────────────────────────────────────────────────────────────────────────────

const testDialog = $("test-dialog");
const testForm = $("test-form");

$("open-test").addEventListener("click", () => {
  clearFieldErrors(testForm);
  $("test-result").hidden = true;
  $("test-progress").hidden = true;
  testDialog.showModal();
  $("test-to").focus();
});
$("test-close").addEventListener("click", () => testDialog.close());

testForm.addEventListener("submit", async (event) => {
  event.preventDefault(); // the form's method is "dialog": without this, sending would close it
  clearFieldErrors(testForm);
  const result = $("test-result");
  result.hidden = true;
  const to = $("test-to").value.trim();
  const toName = $("test-toName").value.trim();
  if (!to) {
    setFieldError($("test-to"), "Recipient address is required: enter the address to send the test to.");
    $("test-to").focus();
    return;
  }
  $("test-progress").hidden = false;
  testForm.setAttribute("aria-busy", "true");
  await whileBusy($("test-send"), async () => {
    try {
      const outcome = await api("/v1/email/test", { method: "POST", json: toName ? { to, toName } : { to } });
      showLastTest({ ok: outcome.ok, code: outcome.error?.code ?? null, to, at: new Date().toISOString() });
      if (outcome.ok) {
        notify(
          "test-result",
          "ok",
          `Sent to ${outcome.to}.`,
          `From ${outcome.from} through ${outcome.host}:${outcome.port}${outcome.tls ? " with TLS" : ""} in ${outcome.elapsedMs} ms.`,
          "Has it arrived in your inbox? Check the spam folder too.",
        );
      } else {
        notify("test-result", "error", outcome.error.message, outcome.error.hint);
      }
    } catch (failure) {
      if (failure.code === "validation_failed") {
        const other = showFieldErrors("test", failure.fields);
        notify("test-result", "error", "Check the recipient: see the message next to the field.", ...other);
      } else {
        showFailure("test-result", failure);
      }
    } finally {
      $("test-progress").hidden = true;
      testForm.removeAttribute("aria-busy");
    }
  });
});

// ── Callback URL ───────────────────────────────────────────────────────────────────────────────────────

function showWebhook(webhook) {
  $("webhook-url").value = webhook.urlWithCredentials;
}

loaders.webhook = async () => {
  clearNotice("webhook-notice");
  try {
    showWebhook(await api("/v1/email/webhook"));
  } catch (failure) {
    showFailure("webhook-notice", failure);
  }
};

$("webhook-copy").addEventListener("click", async () => {
  const input = $("webhook-url");
  if (!input.value) return;
  try {
    await navigator.clipboard.writeText(input.value);
    notify(
      "webhook-notice",
      "ok",
      "Copied the callback URL to the clipboard.",
      "Now paste it in Postmark as described below.",
    );
  } catch {
    input.select();
    notify("webhook-notice", "", "The browser did not allow copying: the URL is selected, press Ctrl+C (⌘C on a Mac).");
  }
});

$("webhook-rotate").addEventListener("click", async () => {
  const confirmed = await confirmAction(
    "Make new callback credentials?",
    "The current URL keeps working for 24 hours. Paste the new URL in Postmark before then, or bounces stop arriving.",
    "Rotate credentials",
    true,
  );
  if (!confirmed) return;
  await whileBusy($("webhook-rotate"), async () => {
    try {
      showWebhook(await api("/v1/email/webhook/rotate", { method: "POST" }));
      notify(
        "webhook-notice",
        "ok",
        "New credentials made.",
        "Copy the new URL and paste it in Postmark within 24 hours.",
      );
    } catch (failure) {
      showFailure("webhook-notice", failure);
    }
  });
});

// ── Email report ───────────────────────────────────────────────────────────────────────────────────────

const isoDate = (date) => date.toISOString().slice(0, 10);
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Every day from `from` to `to` (inclusive), with the count the report has for it or 0. */
function fillDays(from, to, byDay) {
  const counts = new Map(byDay.map((d) => [d.date.slice(0, 10), d.count]));
  const days = [];
  const end = new Date(`${to.slice(0, 10)}T00:00:00Z`);
  for (
    let day = new Date(`${from.slice(0, 10)}T00:00:00Z`);
    day <= end && days.length < 3660;
    day.setUTCDate(day.getUTCDate() + 1)
  ) {
    const date = isoDate(day);
    days.push({ date, count: counts.get(date) ?? 0 });
  }
  return days;
}

/** A bar per day, drawn by hand: no chart library, and no inline styles (the CSP forbids them). */
function barChart(days) {
  const width = 640,
    height = 200,
    left = 48,
    bottom = 26,
    top = 14;
  const max = Math.max(1, ...days.map((d) => d.count));
  const slot = (width - left) / Math.max(1, days.length);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const busiest = days.reduce((best, d) => (d.count > (best?.count ?? 0) ? d : best), null);
  const label = days.length
    ? `Bounces per day from ${days[0].date} to ${days.at(-1).date}: ${total} in all` +
      (busiest ? `, most on ${busiest.date} (${busiest.count}).` : ".")
    : "No days in this range.";
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  chart.append(
    svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
    svg("line", { class: "axis", x1: left, y1: top, x2: width, y2: top }),
    svg("text", { x: left - 6, y: top + 4, "text-anchor": "end" }, String(max)),
    svg("text", { x: left - 6, y: height - bottom + 4, "text-anchor": "end" }, "0"),
  );
  days.forEach((day, i) => {
    const barHeight = ((height - bottom - top) * day.count) / max;
    const bar = svg("rect", {
      class: "bar",
      x: (left + i * slot + slot * 0.1).toFixed(2),
      y: (height - bottom - barHeight).toFixed(2),
      width: Math.max(1, slot * 0.8).toFixed(2),
      height: barHeight.toFixed(2),
    });
    bar.append(svg("title", {}, `${day.date}: ${day.count} bounce${day.count === 1 ? "" : "s"}`));
    chart.append(bar);
  });
  if (days.length) {
    chart.append(
      svg("text", { x: left, y: height - 6 }, days[0].date),
      svg("text", { x: width, y: height - 6, "text-anchor": "end" }, days.at(-1).date),
    );
  }
  return chart;
}

function showReport(report) {
  $("report-total").textContent = String(report.total);
  $("report-spam").textContent = String(report.spamComplaints);
  $("report-suppressed").textContent = String(report.suppressed);
  $("report-chart").replaceChildren(barChart(fillDays(report.from, report.to, report.byDay ?? [])));
  const types = Object.entries(report.byType ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  $("report-types").replaceChildren(
    ...(types.length
      ? types.map(([type, n]) => el("tr", {}, el("td", {}, type), el("td", { class: "num" }, String(n))))
      : [el("tr", {}, el("td", { colspan: 2 }, "No bounces in this range."))]),
  );
  $("report-body").hidden = false;
}

async function loadReport() {
  clearNotice("report-notice");
  clearFieldErrors($("report-form"));
  const query = new URLSearchParams();
  // An emptied date is left out, so the API uses its default (today, or 30 days before "to").
  for (const name of ["from", "to"]) if ($(`report-${name}`).value) query.set(name, $(`report-${name}`).value);
  try {
    showReport(await api(`/v1/reports/bounces?${query}`));
  } catch (failure) {
    if (failure.code === "validation_failed") {
      const other = showFieldErrors("report", failure.fields);
      notify("report-notice", "error", "Pick another range: see the message next to the date.", ...other);
    } else {
      showFailure("report-notice", failure);
    }
  }
}

loaders.report = () => {
  if (!$("report-to").value) $("report-to").value = isoDate(new Date());
  if (!$("report-from").value) $("report-from").value = isoDate(new Date(Date.now() - 29 * 86_400_000));
  return loadReport();
};

$("report-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void loadReport();
});

// ── Suppression list ───────────────────────────────────────────────────────────────────────────────────

// `cursors[i]` opens page i; the API pages forward only, so earlier cursors are kept for "Previous".
const list = { cursors: [null], page: 0 };

function suppressionRow(s) {
  const action = s.canReactivate
    ? el(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-email": s.email,
          "data-stream": s.stream,
          "aria-label": `Reactivate ${s.email}`,
        },
        "Reactivate",
      )
    : el(
        "button",
        {
          type: "button",
          class: "secondary",
          disabled: true,
          "aria-label": `Reactivate ${s.email} (not possible for a spam complaint)`,
        },
        "Reactivate",
      );
  const reason = REASON_LABELS[s.reason] ?? s.reason;
  return el(
    "tr",
    {},
    el("td", { class: "email" }, s.email),
    el("td", {}, s.bounceType && s.bounceType !== "HardBounce" ? `${reason} (${s.bounceType})` : reason),
    el("td", {}, new Date(s.suppressedAt).toLocaleString()),
    el(
      "td",
      { class: "details" },
      // The stream only when it is not the usual one, to tell apart the same address on two streams.
      [
        s.origin === "postmark" ? "From Postmark" : "Added here",
        s.stream === "outbound" ? "" : `stream ${s.stream}`,
        s.details,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    el("td", {}, action, s.canReactivate ? null : el("p", { class: "hint" }, "Spam complaints cannot be reactivated.")),
  );
}

async function loadSuppressions() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const email = $("suppressions-email").value.trim();
  const reason = $("suppressions-reason").value;
  if (email) query.set("email", email);
  if (reason) query.set("reason", reason);
  const cursor = list.cursors[list.page];
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await api(`/v1/suppressions?${query}`);
    $("suppressions-rows").replaceChildren(...page.items.map(suppressionRow));
    $("suppressions-empty").hidden = page.items.length > 0;
    $("suppressions-table").hidden = page.items.length === 0;
    list.cursors[list.page + 1] = page.nextCursor;
    $("suppressions-next").disabled = !page.nextCursor;
    $("suppressions-prev").disabled = list.page === 0;
  } catch (failure) {
    showFailure("suppressions-notice", failure);
  }
}

loaders.suppressions = () => {
  clearNotice("suppressions-notice");
  return loadSuppressions();
};

$("suppressions-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice("suppressions-notice");
  list.cursors = [null];
  list.page = 0;
  void loadSuppressions();
});
$("suppressions-next").addEventListener("click", () => {
  list.page += 1;
  void loadSuppressions();
});
$("suppressions-prev").addEventListener("click", () => {
  list.page = Math.max(0, list.page - 1);
  void loadSuppressions();
});

$("suppressions-rows").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-email]");
  if (!button) return;
  const { email, stream } = button.dataset;
  const confirmed = await confirmAction(
    `Reactivate ${email}?`,
    "Mail to this address will be sent again. Do this only when the address works again or the person asked for it.",
    "Reactivate",
  );
  if (!confirmed) return;
  await whileBusy(button, async () => {
    try {
      await api(`/v1/suppressions/${encodeURIComponent(email)}?${new URLSearchParams({ stream })}`, {
        method: "DELETE",
      });
      notify("suppressions-notice", "ok", `${email} was reactivated and can receive mail again.`);
      await loadSuppressions();
    } catch (failure) {
      showFailure("suppressions-notice", failure);
    }
  });
});

$("suppressions-add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const input = $("suppressions-add-emails");
  clearFieldErrors(form);
  clearNotice("suppressions-notice");
  const emails = input.value
    .split(/[\r\n,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (emails.length === 0) {
    setFieldError(input, "Enter at least one address, one per line.");
    input.focus();
    return;
  }
  await whileBusy(form.querySelector("button"), async () => {
    try {
      const { added } = await api("/v1/suppressions", { method: "POST", json: { emails } });
      const already = emails.length - added;
      input.value = "";
      notify(
        "suppressions-notice",
        "ok",
        `Added ${added} address${added === 1 ? "" : "es"} to the suppression list.`,
        already > 0 ? `${already} ${already === 1 ? "was" : "were"} already on it.` : "",
      );
      await loadSuppressions();
    } catch (failure) {
      if (failure.code === "validation_failed") {
        // `emails.3` names the fourth address: say which one, in the user's words.
        const problems = Object.entries(failure.fields ?? {}).map(([field, problem]) => {
          const index = Number(field.split(".")[1]);
          return Number.isInteger(index) && emails[index] !== undefined
            ? `"${emails[index]}" ${problem}.`
            : `${field} ${problem}.`;
        });
        setFieldError(input, problems.join(" "));
        input.focus();
      } else {
        showFailure("suppressions-notice", failure);
      }
    }
  });
});

$("suppressions-export").addEventListener("click", async (event) => {
  clearNotice("suppressions-notice");
  await whileBusy(event.currentTarget, async () => {
    try {
      // The CSV route needs the Bearer token, so a plain link cannot fetch it: download a blob instead.
      const res = await api("/v1/suppressions.csv", { raw: true });
      const filename =
        /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "suppressions.csv";
      const url = URL.createObjectURL(await res.blob());
      const link = el("a", { href: url, download: filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      notify("suppressions-notice", "ok", `Downloaded ${filename}.`);
    } catch (failure) {
      showFailure("suppressions-notice", failure);
    }
  });
});

window.addEventListener("hashchange", route);
route();
