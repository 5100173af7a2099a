// @ts-check
// The suppression list: search, filter by reason, pages, reactivate, add addresses, export CSV.

import {
  addSuppressions,
  exportSuppressions,
  failureOf,
  getPostmarkConnection,
  getPush,
  importFromPostmark,
  listSuppressions,
  reactivate,
} from "../api.js";
import {
  byId,
  clearFieldErrors,
  clearNotice,
  confirmAction,
  el,
  notify,
  setFieldError,
  showFailure,
  whileBusy,
} from "../dom.js";
import { bounceTypeLabel } from "../labels.js";

const PAGE_SIZE = 25;

const filterForm = byId("suppressions-filter", HTMLFormElement);
const emailFilter = byId("suppressions-email", HTMLInputElement);
const reasonFilter = byId("suppressions-reason", HTMLSelectElement);
const streamField = byId("suppressions-stream-field", HTMLElement);
const streamFilter = byId("suppressions-stream", HTMLSelectElement);
const exportButton = byId("suppressions-export", HTMLButtonElement);
const notice = byId("suppressions-notice", HTMLElement);
const table = byId("suppressions-table", HTMLTableElement);
const rows = byId("suppressions-rows", HTMLTableSectionElement);
const empty = byId("suppressions-empty", HTMLElement);
const previous = byId("suppressions-prev", HTMLButtonElement);
const next = byId("suppressions-next", HTMLButtonElement);
const pageLabel = byId("suppressions-page", HTMLElement);
const addForm = byId("suppressions-add", HTMLFormElement);
const addInput = byId("suppressions-add-emails", HTMLTextAreaElement);
const addButton = byId("suppressions-add-submit", HTMLButtonElement);
const importButton = byId("suppressions-import", HTMLButtonElement);

// The page names the reasons once, in the filter's options; rows use the same words.
const reasonLabels = new Map([...reasonFilter.options].filter((o) => o.value).map((o) => [o.value, o.text]));
// The stream most tenants only use; a row names its stream only when it is another one.
const defaultStream = table.dataset.defaultStream;

// `cursors[i]` opens page i; the API pages forward only, so earlier cursors are kept for "Previous".
// `applied`: the filters of what the list shows (set by Search, not by typing): the refresh and the export use it.
/** @type {{ cursors: (string | null)[], page: number, applied: URLSearchParams }} */
const list = { cursors: [null], page: 0, applied: new URLSearchParams() };

/** The search and reason filters as typed, as the API's query. */
function filterQuery() {
  const query = new URLSearchParams();
  const email = emailFilter.value.trim();
  if (email) query.set("email", email);
  if (reasonFilter.value) query.set("reason", reasonFilter.value);
  if (streamFilter.value) query.set("stream", streamFilter.value);
  return query;
}

/** The stream filter, where streams matter: when the Postmark server has more than one outbound stream. */
async function loadStreamChoices() {
  /** @type {import("../api.js").PostmarkConnection["streams"]} */
  let streams = null;
  try {
    const connection = await getPostmarkConnection();
    streams = connection.reachable ? connection.streams : null;
  } catch {
    // no settings, or Postmark not reachable: no choice to offer
  }
  const chosen = streamFilter.value;
  const options = (streams ?? []).map((s) => el("option", { value: s.id }, `${s.name} (${s.id})`));
  streamFilter.replaceChildren(el("option", { value: "" }, "All streams"), ...options);
  streamFilter.value = options.some((o) => o instanceof HTMLOptionElement && o.value === chosen) ? chosen : "";
  streamField.hidden = options.length < 2;
}

/** A row's Postmark state, shown only while a push of the change made here is pending or has failed. */
function pushState(/** @type {import("../api.js").Push | undefined} */ push) {
  if (push?.state === "pending") return "Postmark: not updated yet, retrying";
  if (push?.state === "failed") return `Postmark refused: ${push.message ?? "no reason given"}`;
  return "";
}

/** An address with line-break chances after "@" and each dot, so a narrow column never breaks it mid-word. */
function breakableAddress(/** @type {string} */ email) {
  return email.split(/(?<=[@.])/).flatMap((part, i) => (i === 0 ? [part] : [el("wbr"), part]));
}

function suppressionRow(/** @type {import("../api.js").Suppression} */ s) {
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
  const reason = reasonLabels.get(s.reason) ?? s.reason;
  const details = [
    s.origin === "postmark" ? "From Postmark" : "Added here",
    // The stream only when it is not the usual one, to tell apart the same address on two streams.
    s.stream === defaultStream ? "" : `stream ${s.stream}`,
    s.details,
  ];
  const postmark = pushState(s.postmark);
  return el(
    "tr",
    {},
    el("td", { class: "email" }, ...breakableAddress(s.email)),
    // The bounce type only when it adds to the reason (a spam complaint's type says the same thing).
    el(
      "td",
      { title: s.bounceType ?? "" },
      s.bounceType && bounceTypeLabel(s.bounceType) !== reason ? `${reason}: ${bounceTypeLabel(s.bounceType)}` : reason,
    ),
    el("td", {}, new Date(s.suppressedAt).toLocaleString()),
    el(
      "td",
      { class: "details" },
      details.filter(Boolean).join(" · "),
      postmark ? el("p", { class: "hint postmark-state" }, postmark) : null,
    ),
    el("td", {}, action, s.canReactivate ? null : el("p", { class: "hint" }, "Spam complaints cannot be reactivated.")),
  );
}

/** Shows the current page of the applied filters; false when it could not be read. */
async function loadPage() {
  const query = new URLSearchParams(list.applied);
  query.set("limit", String(PAGE_SIZE));
  const cursor = list.cursors[list.page];
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await listSuppressions(query);
    rows.replaceChildren(...page.items.map(suppressionRow));
    empty.hidden = page.items.length > 0;
    table.hidden = page.items.length === 0;
    list.cursors[list.page + 1] = page.nextCursor;
    next.disabled = !page.nextCursor;
    previous.disabled = list.page === 0;
    // The API pages by cursor and counts nothing: the page number, and how many rows this page holds.
    const first = list.page * PAGE_SIZE + 1;
    pageLabel.textContent = page.items.length
      ? `Page ${list.page + 1}: addresses ${first}–${first + page.items.length - 1}${page.nextCursor ? "" : " (the last)"}`
      : "";
    return true;
  } catch (error) {
    showFailure(notice, failureOf(error));
    return false;
  }
}

function firstPage() {
  list.cursors = [null];
  list.page = 0;
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "suppressions",
  section: byId("view-suppressions", HTMLElement),
  heading: byId("suppressions-title", HTMLElement),
  focus: byId("suppressions-title", HTMLElement),
  updated: byId("suppressions-updated", HTMLElement),
  async load() {
    clearNotice(notice);
    await Promise.all([loadPage(), loadStreamChoices()]);
  },
  // Not while a row's button has focus or a dialog is open: re-drawing the rows would take focus away.
  refresh: () =>
    rows.contains(document.activeElement) || document.querySelector("dialog[open]")
      ? Promise.resolve(false)
      : loadPage(),
  forget() {
    rows.replaceChildren();
    firstPage();
    list.applied = new URLSearchParams();
    streamField.hidden = true;
  },
};

filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice(notice);
  firstPage();
  list.applied = filterQuery();
  void loadPage();
});
next.addEventListener("click", () => {
  list.page += 1;
  void loadPage();
});
previous.addEventListener("click", () => {
  list.page = Math.max(0, list.page - 1);
  void loadPage();
});

rows.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-email]") : null;
  if (!(button instanceof HTMLButtonElement)) return;
  const { email = "", stream = "" } = button.dataset;
  const confirmed = await confirmAction({
    title: `Reactivate ${email}?`,
    text: "Mail to this address will be sent again. Do this only when the address works again or the person asked for it.",
    yes: "Reactivate",
  });
  if (!confirmed) return;
  await whileBusy(button, async () => {
    try {
      const sync = await reactivate(email, stream);
      const title = `${email} was reactivated and can receive mail again.`;
      if (sync === "failed") {
        const push = await getPush(email, stream);
        notify(notice, "error", title, `But Postmark refused to reactivate it: ${push.message ?? "no reason given"}`);
      } else if (sync === "pending") {
        notify(notice, "ok", title, "Postmark could not be told yet: it is retried every few minutes.");
      } else {
        notify(notice, "ok", title, sync === "done" ? "Postmark takes it off its list too." : "");
      }
      await loadPage();
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
});

addForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(addForm);
  clearNotice(notice);
  const emails = addInput.value
    .split(/[\r\n,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (emails.length === 0) {
    setFieldError(addInput, "Enter at least one address, one per line.");
    addInput.focus();
    return;
  }
  await whileBusy(addButton, async () => {
    try {
      const { added, postmark } = await addSuppressions(emails);
      const already = emails.length - added;
      const pending = postmark?.filter((p) => p.state === "pending").length ?? 0;
      const failed = postmark?.filter((p) => p.state === "failed") ?? [];
      addInput.value = "";
      notify(
        notice,
        failed.length > 0 ? "error" : "ok",
        `Added ${added} address${added === 1 ? "" : "es"} to the suppression list.`,
        already > 0 ? `${already} ${already === 1 ? "was" : "were"} already on it.` : "",
        pending > 0 ? `Postmark could not be told about ${pending} yet: they are retried every few minutes.` : "",
        ...failed.map((p) => `Postmark refused ${p.email}: ${p.message ?? "no reason given"}`),
      );
      await loadPage();
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === "validation_failed") {
        // `emails.3` names the fourth address: say which one, in the user's words.
        const problems = Object.entries(failure.fields).map(([field, problem]) => {
          const index = Number(field.split(".")[1]);
          return Number.isInteger(index) && emails[index] !== undefined
            ? `"${emails[index]}" ${problem}.`
            : `${field} ${problem}.`;
        });
        setFieldError(addInput, problems.join(" "));
        addInput.focus();
      } else {
        showFailure(notice, failure);
      }
    }
  });
});

importButton.addEventListener("click", async () => {
  clearNotice(notice);
  await whileBusy(importButton, async () => {
    try {
      const result = await importFromPostmark();
      notify(
        notice,
        "ok",
        `Imported from Postmark (stream ${result.stream}): ${result.added} address${result.added === 1 ? "" : "es"} added.`,
        `Postmark lists ${result.seen}; ${result.alreadySuppressed} ${result.alreadySuppressed === 1 ? "was" : "were"} already here.`,
        result.skipped > 0
          ? `${result.skipped} left out: reactivated here since Postmark suppressed them (Postmark is being told), or unreadable.`
          : "",
      );
      firstPage();
      await loadPage();
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
});

exportButton.addEventListener("click", async () => {
  clearNotice(notice);
  await whileBusy(exportButton, async () => {
    try {
      // The CSV route needs the Bearer token, so a plain link cannot fetch it: download a blob instead.
      // Exactly what the list shows: the applied filters, not what is typed but not searched yet.
      const { filename, blob } = await exportSuppressions(list.applied);
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      notify(notice, "ok", `Downloaded ${filename}.`);
    } catch (error) {
      showFailure(notice, failureOf(error));
    }
  });
});
