// @ts-check
// The Deliverability view: the state (with why), sent and the rates per day with the thresholds drawn, the
// policy (thresholds, soft bounces) and the notification endpoint with its last deliveries.
import {
  deleteEndpoint,
  failureOf,
  getBounceReport,
  getDeliverability,
  getNotifications,
  getPolicy,
  rotateEndpointSecret,
  saveEndpoint,
  savePolicy,
  sendTestNotification,
} from "../api.js";
import {
  byId,
  clearFieldErrors,
  clearNotice,
  confirmAction,
  el,
  notify,
  showFailure,
  showFormFailure,
  svg,
  whileBusy,
} from "../dom.js";

const notice = byId("deliverability-notice", HTMLElement);
const body = byId("deliverability-body", HTMLElement);
const stateBadge = byId("deliverability-state", HTMLElement);
const reasonText = byId("deliverability-reason", HTMLElement);
const sentCell = byId("deliverability-sent", HTMLElement);
const bounceRateCell = byId("deliverability-bounce-rate", HTMLElement);
const complaintRateCell = byId("deliverability-complaint-rate", HTMLElement);
const windowText = byId("deliverability-window", HTMLElement);
const daysNote = byId("deliverability-days-note", HTMLElement);
const bounceChart = byId("deliverability-bounce-chart", HTMLElement);
const complaintChart = byId("deliverability-complaint-chart", HTMLElement);
const dayRows = byId("deliverability-days", HTMLTableSectionElement);

const policyForm = byId("policy-form", HTMLFormElement);
const policyNotice = byId("policy-notice", HTMLElement);
const inputs = {
  bounceWarning: byId("policy-bounceWarning", HTMLInputElement),
  bounceCritical: byId("policy-bounceCritical", HTMLInputElement),
  complaintWarning: byId("policy-complaintWarning", HTMLInputElement),
  complaintCritical: byId("policy-complaintCritical", HTMLInputElement),
  windowDays: byId("policy-windowDays", HTMLInputElement),
  minimumSent: byId("policy-minimumSent", HTMLInputElement),
  softBounces: byId("policy-softBounces", HTMLInputElement),
  softCount: byId("policy-softCount", HTMLInputElement),
  softDays: byId("policy-softDays", HTMLInputElement),
};

const endpointForm = byId("endpoint-form", HTMLFormElement);
const endpointUrl = byId("endpoint-url", HTMLInputElement);
const endpointNotice = byId("endpoint-notice", HTMLElement);
const secretBox = byId("endpoint-secret-box", HTMLElement);
const secretText = byId("endpoint-secret", HTMLElement);
const testButton = byId("endpoint-test", HTMLButtonElement);
const rotateButton = byId("endpoint-rotate", HTMLButtonElement);
const deleteButton = byId("endpoint-delete", HTMLButtonElement);
const deliveryRows = byId("endpoint-deliveries", HTMLTableSectionElement);

const STATE_WORDS = { ok: "OK", warning: "Warning", critical: "Critical", unknown: "Unknown" };
const percent = (/** @type {number | null} */ value) => (value === null ? "–" : `${value} %`);

/**
 * A bar per day of one rate, with its warning and critical thresholds drawn as lines.
 * @param {string} name
 * @param {{ date: string, rate: number | null }[]} days
 * @param {{ warning: number, critical: number }} limits
 */
function rateChart(name, days, limits) {
  const width = 640;
  const height = 160;
  const left = 48;
  const bottom = 22;
  const top = 10;
  const max = Math.max(limits.critical * 1.25, ...days.map((d) => d.rate ?? 0));
  const slot = (width - left) / Math.max(1, days.length);
  const y = (/** @type {number} */ value) => (height - bottom - ((height - bottom - top) * value) / max).toFixed(2);
  const over = days.filter((d) => (d.rate ?? 0) >= limits.critical).length;
  const drawing = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `${name} per day, warning at ${limits.warning} %, critical at ${limits.critical} %: ${over} day${over === 1 ? "" : "s"} at or above critical.`,
  });
  drawing.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  for (const [i, day] of days.entries()) {
    if (day.rate === null) continue;
    const bar = svg("rect", {
      class: day.rate >= limits.critical ? "bar critical" : day.rate >= limits.warning ? "bar warning" : "bar",
      x: (left + i * slot + slot * 0.1).toFixed(2),
      y: y(day.rate),
      width: Math.max(1, slot * 0.8).toFixed(2),
      height: (height - bottom - Number(y(day.rate))).toFixed(2),
    });
    bar.append(svg("title", {}, `${day.date}: ${day.rate} %`));
    drawing.append(bar);
  }
  for (const [level, value] of /** @type {const} */ ([
    ["warning", limits.warning],
    ["critical", limits.critical],
  ])) {
    drawing.append(
      svg("line", { class: `threshold ${level}`, x1: left, y1: y(value), x2: width, y2: y(value) }),
      svg("text", { x: left - 6, y: Number(y(value)) + 4, "text-anchor": "end" }, `${value} %`),
    );
  }
  drawing.append(svg("text", { x: left, y: top + 2 }, name));
  return drawing;
}

async function loadState() {
  clearNotice(notice);
  try {
    const [state, report] = await Promise.all([getDeliverability(), getBounceReport(new URLSearchParams())]);
    stateBadge.textContent = STATE_WORDS[state.state];
    stateBadge.className = `badge ${state.state}`;
    reasonText.textContent = state.reason;
    sentCell.textContent = state.sent === null ? "–" : String(state.sent);
    bounceRateCell.textContent = percent(state.bounceRate);
    complaintRateCell.textContent = percent(state.complaintRate);
    windowText.textContent = `Window: ${state.window.from} to ${state.window.to} (days of Postmark's time zone, US Eastern).`;
    daysNote.textContent =
      report.ratesReason ??
      "Bounces and complaints received here per UTC day, against what Postmark sent on its day of the same date.";
    const t = state.thresholds;
    bounceChart.replaceChildren(
      rateChart(
        "Bounce rate",
        report.byDay.map((d) => ({ date: d.date, rate: d.bounceRate })),
        t.bounceRate,
      ),
    );
    complaintChart.replaceChildren(
      rateChart(
        "Complaint rate",
        report.byDay.map((d) => ({ date: d.date, rate: d.complaintRate })),
        t.complaintRate,
      ),
    );
    dayRows.replaceChildren(
      ...report.byDay
        .filter((d) => d.count > 0 || d.complaints > 0 || (d.sent ?? 0) > 0)
        .reverse()
        .map((d) =>
          el(
            "tr",
            {},
            el("td", {}, d.date),
            el("td", { class: "num" }, d.sent === null ? "–" : String(d.sent)),
            el("td", { class: "num" }, String(d.count)),
            el("td", { class: "num" }, percent(d.bounceRate)),
            el("td", { class: "num" }, String(d.complaints)),
            el("td", { class: "num" }, percent(d.complaintRate)),
          ),
        ),
    );
    body.hidden = false;
  } catch (error) {
    showFailure(notice, failureOf(error));
  }
}

function showPolicy(/** @type {import("../api.js").DeliverabilityPolicy} */ policy) {
  const t = policy.thresholds;
  inputs.bounceWarning.value = String(t.bounceRate.warning);
  inputs.bounceCritical.value = String(t.bounceRate.critical);
  inputs.complaintWarning.value = String(t.complaintRate.warning);
  inputs.complaintCritical.value = String(t.complaintRate.critical);
  inputs.windowDays.value = String(t.windowDays);
  inputs.minimumSent.value = String(t.minimumSent);
  inputs.softBounces.checked = policy.softBounces !== null;
  inputs.softCount.value = String(policy.softBounces?.count ?? 3);
  inputs.softDays.value = String(policy.softBounces?.withinDays ?? 7);
}

/** The form as the API's policy; an empty or non-numeric field is sent as it is, for the API to name. */
function policyOfForm() {
  const number = (/** @type {HTMLInputElement} */ input) => (input.value.trim() === "" ? NaN : Number(input.value));
  return {
    thresholds: {
      bounceRate: { warning: number(inputs.bounceWarning), critical: number(inputs.bounceCritical) },
      complaintRate: { warning: number(inputs.complaintWarning), critical: number(inputs.complaintCritical) },
      windowDays: number(inputs.windowDays),
      minimumSent: number(inputs.minimumSent),
    },
    softBounces: inputs.softBounces.checked
      ? { count: number(inputs.softCount), withinDays: number(inputs.softDays) }
      : null,
  };
}

function showDeliveries(/** @type {import("../api.js").NotificationDelivery[]} */ deliveries) {
  deliveryRows.replaceChildren(
    ...(deliveries.length
      ? deliveries.map((d) =>
          el(
            "tr",
            {},
            el("td", {}, d.type),
            el("td", {}, d.createdAt),
            el("td", {}, d.state),
            el("td", { class: "num" }, String(d.attempts)),
            el("td", {}, d.lastError ?? (d.lastStatus === null ? "–" : `HTTP ${d.lastStatus}`)),
          ),
        )
      : [el("tr", {}, el("td", { colspan: 5 }, "Nothing sent yet."))]),
  );
}

async function loadNotifications() {
  const notifications = await getNotifications();
  const set = notifications.endpoint !== null;
  if (set && document.activeElement !== endpointUrl) endpointUrl.value = notifications.endpoint?.url ?? "";
  testButton.hidden = !set;
  rotateButton.hidden = !set;
  deleteButton.hidden = !set;
  showDeliveries(notifications.deliveries);
}

/** Shows a secret the API answered once; it is never fetched again. */
function showSecret(/** @type {string | undefined} */ secret) {
  secretBox.hidden = !secret;
  secretText.textContent = secret ?? "";
}

async function load() {
  showSecret(undefined);
  clearNotice(policyNotice);
  clearNotice(endpointNotice);
  await Promise.all([
    loadState(),
    getPolicy()
      .then(showPolicy)
      .catch((error) => showFailure(policyNotice, failureOf(error))),
    loadNotifications().catch((error) => showFailure(endpointNotice, failureOf(error))),
  ]);
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "deliverability",
  section: byId("view-deliverability", HTMLElement),
  heading: byId("deliverability-title", HTMLElement),
  focus: byId("deliverability-title", HTMLElement),
  load,
  forget() {
    body.hidden = true;
    showSecret(undefined);
    deliveryRows.replaceChildren();
  },
};

policyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice(policyNotice);
  clearFieldErrors(policyForm);
  const button = /** @type {HTMLButtonElement} */ (event.submitter);
  void whileBusy(button, async () => {
    try {
      showPolicy(await savePolicy(policyOfForm()));
      notify(policyNotice, "ok", "Policy saved.");
      await loadState();
    } catch (error) {
      showFormFailure(policyNotice, policyForm, failureOf(error), "The policy was not saved: see the messages.");
    }
  });
});

endpointForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice(endpointNotice);
  clearFieldErrors(endpointForm);
  const button = /** @type {HTMLButtonElement} */ (event.submitter);
  void whileBusy(button, async () => {
    try {
      const saved = await saveEndpoint(endpointUrl.value.trim());
      showSecret(saved.secret);
      notify(
        endpointNotice,
        "ok",
        saved.secret ? "Endpoint saved with a new signing secret." : "Endpoint saved; the signing secret is unchanged.",
      );
      await loadNotifications();
    } catch (error) {
      showFormFailure(
        endpointNotice,
        endpointForm,
        failureOf(error),
        "The endpoint was not saved: see the message next to it.",
      );
    }
  });
});

testButton.addEventListener("click", () => {
  clearNotice(endpointNotice);
  void whileBusy(testButton, async () => {
    try {
      const delivery = await sendTestNotification();
      if (delivery.state === "delivered")
        notify(endpointNotice, "ok", `Test event delivered (HTTP ${delivery.lastStatus}).`);
      else
        notify(
          endpointNotice,
          "error",
          "The test event was not delivered yet; it is retried.",
          delivery.lastError ?? "",
        );
      await loadNotifications();
    } catch (error) {
      showFailure(endpointNotice, failureOf(error));
    }
  });
});

rotateButton.addEventListener("click", async () => {
  const yes = await confirmAction({
    title: "Make a new signing secret?",
    text: "The old secret stops at once: deliveries from now on are signed with the new one.",
    yes: "Rotate secret",
    danger: true,
  });
  if (!yes) return;
  try {
    showSecret((await rotateEndpointSecret()).secret);
    notify(endpointNotice, "ok", "New signing secret made: put it in your platform now.");
  } catch (error) {
    showFailure(endpointNotice, failureOf(error));
  }
});

deleteButton.addEventListener("click", async () => {
  const yes = await confirmAction({
    title: "Stop notifications?",
    text: "The endpoint is removed; notifications not delivered yet are given up.",
    yes: "Stop notifications",
    danger: true,
  });
  if (!yes) return;
  try {
    await deleteEndpoint();
    endpointUrl.value = "";
    showSecret(undefined);
    notify(endpointNotice, "ok", "Notifications stopped.");
    await loadNotifications();
  } catch (error) {
    showFailure(endpointNotice, failureOf(error));
  }
});
