// @ts-check
// DOM helpers the views share. Everything that came from the API or the user is inserted as text
// (textContent, createElement), never parsed as HTML.

/**
 * The element with this id, checked to be a `kind` (HTMLInputElement, HTMLButtonElement, ...). Every id the
 * dashboard uses is looked up here, with a literal string, so test/dashboard.test.ts can check that the page
 * has each one, on an element of that kind.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
export function byId(id, kind) {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`The page has no ${kind.name} with the id "${id}".`);
  return node;
}

/**
 * @typedef {object} View one screen of the dashboard, as each module in views/ exports it
 * @property {string} name its URL fragment (#settings)
 * @property {HTMLElement} section
 * @property {HTMLElement} heading its title (also the document's)
 * @property {HTMLElement} focus where focus moves when the view opens
 * @property {() => Promise<void>} [load] fills the view from the API when it opens
 * @property {() => void} [forget] clears what the forms' reset does not, when the tenant signs out
 */

/** @typedef {string | number | boolean | null | undefined} AttributeValue */

/**
 * An element with attributes and children; strings become text nodes, so they are never parsed as HTML.
 * An attribute that is false, null or undefined is left out; true gives an empty one.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attrs]
 * @param {(Node | string | null)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null));
  return node;
}

// ── Notices ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Shows an outcome in a view's notice box: a title line and optional detail lines (empty ones left out).
 * @param {HTMLElement} box
 * @param {"ok" | "error" | ""} kind "" for neutral information
 * @param {string} title
 * @param {string[]} lines
 */
export function notify(box, kind, title, ...lines) {
  box.className = `notice ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.replaceChildren(el("p", { class: "title" }, title), ...lines.filter(Boolean).map((line) => el("p", {}, line)));
  box.hidden = false;
}

export function clearNotice(/** @type {HTMLElement} */ box) {
  box.hidden = true;
  box.replaceChildren();
}

/**
 * A failed request in words; a 401 has already signed the user out and said why, so it is not repeated.
 * @param {HTMLElement} box
 * @param {import("./api.js").ApiFailure} failure
 */
export function showFailure(box, failure) {
  if (failure.status !== 401) notify(box, "error", failure.message);
}

// ── Field errors ───────────────────────────────────────────────────────────────────────────────────────

/** @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Control */

/** The line under a control that says what is wrong with it: the `.field-error` of its `.field`. */
const errorLineOf = (/** @type {Control} */ control) => control.closest(".field")?.querySelector(".field-error");

/** The control's label, without "(optional)", to start a sentence about it. */
function labelOf(/** @type {Control} */ control) {
  return (control.labels?.[0]?.textContent ?? control.name).replace(/\s*\(optional\)$/, "");
}

export function clearFieldErrors(/** @type {HTMLFormElement} */ form) {
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  for (const line of form.querySelectorAll(".field-error")) {
    if (!(line instanceof HTMLElement)) continue;
    line.hidden = true;
    line.textContent = "";
  }
}

/**
 * @param {Control} control
 * @param {string} message
 */
export function setFieldError(control, message) {
  const line = errorLineOf(control);
  if (line instanceof HTMLElement) {
    line.textContent = message;
    line.hidden = false;
  }
  control.setAttribute("aria-invalid", "true");
}

/**
 * Puts the API's `fields` next to the form's controls of the same name (`settings.host` -> `host`) and
 * focuses the first one. Returns the problems no control matches, to be shown in the form's notice.
 * @param {HTMLFormElement} form
 * @param {Record<string, string>} fields
 * @returns {string[]}
 */
function showFieldErrors(form, fields) {
  const unmatched = [];
  /** @type {Control | null} */
  let first = null;
  for (const [field, problem] of Object.entries(fields)) {
    const path = field.split(".");
    const control = [path.at(-1), path[0]]
      .map((name) => (name ? form.elements.namedItem(name) : null))
      .find((item) => isControl(item));
    if (!isControl(control)) {
      unmatched.push(`${field} ${problem}`);
      continue;
    }
    setFieldError(control, `${labelOf(control)} ${problem}.`.replace(/\.\.$/, "."));
    first ??= control;
  }
  first?.focus();
  return unmatched;
}

/**
 * A form's failed request in words: for a `validation_failed`, each field's problem next to its control and
 * `summary` in the notice (with any problem no control matches); any other failure in the notice.
 * @param {HTMLElement} box
 * @param {HTMLFormElement} form
 * @param {import("./api.js").ApiFailure} failure
 * @param {string} summary
 */
export function showFormFailure(box, form, failure, summary) {
  if (failure.code === "validation_failed") notify(box, "error", summary, ...showFieldErrors(form, failure.fields));
  else showFailure(box, failure);
}

/** @returns {item is Control} */
const isControl = (/** @type {unknown} */ item) =>
  item instanceof HTMLInputElement || item instanceof HTMLSelectElement || item instanceof HTMLTextAreaElement;

// ── Buttons and dialogs ────────────────────────────────────────────────────────────────────────────────

/**
 * A busy state for a button while its request runs, so it cannot be sent twice.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function whileBusy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

const confirmDialog = byId("confirm-dialog", HTMLDialogElement);
const confirmTitle = byId("confirm-title", HTMLElement);
const confirmText = byId("confirm-text", HTMLElement);
const confirmYes = byId("confirm-yes", HTMLButtonElement);

/**
 * An accessible yes/no question in a modal dialog; resolves true when confirmed.
 * @param {{ title: string, text: string, yes: string, danger?: boolean }} question
 * @returns {Promise<boolean>}
 */
export function confirmAction({ title, text, yes, danger = false }) {
  confirmTitle.textContent = title;
  confirmText.textContent = text;
  confirmYes.textContent = yes;
  confirmYes.className = danger ? "danger" : "";
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
  return new Promise((resolve) =>
    confirmDialog.addEventListener("close", () => resolve(confirmDialog.returnValue === "yes"), { once: true }),
  );
}

// ── Drawings ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * An SVG element (charts are drawn by hand: no chart library, no inline styles, which the CSP forbids).
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 */
export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
