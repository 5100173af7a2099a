// @ts-check
// The email report: bounces for a date range, by type and per day, spam complaints, suppressed addresses.
// The API decides the range when a date is left empty and answers with every day of it (zeros included),
// so the page draws what it gets.
import { failureOf, getBounceReport } from "../api.js";
import { byId, clearFieldErrors, clearNotice, el, showFormFailure, svg } from "../dom.js";

const form = byId("report-form", HTMLFormElement);
const fromInput = byId("report-from", HTMLInputElement);
const toInput = byId("report-to", HTMLInputElement);
const notice = byId("report-notice", HTMLElement);
const body = byId("report-body", HTMLElement);
const totalCell = byId("report-total", HTMLElement);
const spamCell = byId("report-spam", HTMLElement);
const suppressedCell = byId("report-suppressed", HTMLElement);
const chart = byId("report-chart", HTMLElement);
const typeRows = byId("report-types", HTMLTableSectionElement);

/** A bar per day, drawn by hand: no chart library, and no inline styles (the CSP forbids them). */
function barChart(/** @type {import("../api.js").BounceReport["byDay"]} */ days) {
  const width = 640;
  const height = 200;
  const left = 48;
  const bottom = 26;
  const top = 14;
  const max = Math.max(1, ...days.map((d) => d.count));
  const slot = (width - left) / Math.max(1, days.length);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const first = days[0];
  const last = days.at(-1);
  /** @type {{ date: string, count: number } | null} */
  let busiest = null;
  for (const day of days) if (day.count > (busiest?.count ?? 0)) busiest = day;
  const label =
    first && last
      ? `Bounces per day from ${first.date} to ${last.date}: ${total} in all` +
        (busiest ? `, most on ${busiest.date} (${busiest.count}).` : ".")
      : "No days in this range.";
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  drawing.append(
    svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
    svg("line", { class: "axis", x1: left, y1: top, x2: width, y2: top }),
    svg("text", { x: left - 6, y: top + 4, "text-anchor": "end" }, String(max)),
    svg("text", { x: left - 6, y: height - bottom + 4, "text-anchor": "end" }, "0"),
  );
  for (const [i, day] of days.entries()) {
    const barHeight = ((height - bottom - top) * day.count) / max;
    const bar = svg("rect", {
      class: "bar",
      x: (left + i * slot + slot * 0.1).toFixed(2),
      y: (height - bottom - barHeight).toFixed(2),
      width: Math.max(1, slot * 0.8).toFixed(2),
      height: barHeight.toFixed(2),
    });
    bar.append(svg("title", {}, `${day.date}: ${day.count} bounce${day.count === 1 ? "" : "s"}`));
    drawing.append(bar);
  }
  if (first && last) {
    drawing.append(
      svg("text", { x: left, y: height - 6 }, first.date),
      svg("text", { x: width, y: height - 6, "text-anchor": "end" }, last.date),
    );
  }
  return drawing;
}

function showReport(/** @type {import("../api.js").BounceReport} */ report) {
  // The range the API used: its default when a date was left empty.
  fromInput.value = report.from;
  toInput.value = report.to;
  totalCell.textContent = String(report.total);
  spamCell.textContent = String(report.spamComplaints);
  suppressedCell.textContent = String(report.suppressed);
  chart.replaceChildren(barChart(report.byDay));
  const types = Object.entries(report.byType)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  typeRows.replaceChildren(
    ...(types.length
      ? types.map(([type, n]) => el("tr", {}, el("td", {}, type), el("td", { class: "num" }, String(n))))
      : [el("tr", {}, el("td", { colspan: 2 }, "No bounces in this range."))]),
  );
  body.hidden = false;
}

async function loadReport() {
  clearNotice(notice);
  clearFieldErrors(form);
  const query = new URLSearchParams();
  // An empty date is left out, so the API uses its default (today, or 30 days before "to").
  if (fromInput.value) query.set("from", fromInput.value);
  if (toInput.value) query.set("to", toInput.value);
  try {
    showReport(await getBounceReport(query));
  } catch (error) {
    showFormFailure(notice, form, failureOf(error), "Pick another range: see the message next to the date.");
  }
}

/** @type {import("../dom.js").View} */
export const view = {
  name: "report",
  section: byId("view-report", HTMLElement),
  heading: byId("report-title", HTMLElement),
  focus: byId("report-title", HTMLElement),
  load: loadReport,
  forget() {
    body.hidden = true;
  },
};

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void loadReport();
});
