// @ts-check
// Officer panel. Every text from the API is set as text (textContent), never as HTML.
import { clean, isBlank, length } from "../plaintext.js";
import { api as callApi, errorOf } from "../shared/api.js";
import { CategoryNames, DAYS, TIMES_OF_DAY, loadCategories as fetchCategories } from "../shared/catalog.js";
import { $, el, say } from "../shared/dom.js";
import { bilingual } from "../shared/i18n.js";
import {
  ALL_STATUSES, CLOSED_STATUSES as CLOSED, DUPLICATE_FROM, HANDED_OVER, loadStatuses, statusInfo,
} from "../shared/statuses.js";
import { askToConfirm } from "./dialog.js";
import {
  ACTIONS, ROLES, SOURCES, distance, reportLink, statusText, warsawToday, when,
} from "./format.js";

const TOKEN_KEY = "kmzb.officer.token";
const UNIT_KEY = "kmzb.officer.unit";
const TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
const POLAND = [[49.0, 14.1], [54.9, 24.2]];
const OVERDUE_ROUTE = "#/overdue"; // the daily overdue summary links here
const CONSULTATION_ROUTE = "#/consultation";
const MAX_DESCRIPTION = 500; // code points, as the API counts them (plaintext.js)

/** The API answered 401: the panel has signed out already. */
class SignedOut extends Error {}
/** The request never got an answer: the network or the server is down. */
class Offline extends Error {}

let token = sessionStorage.getItem(TOKEN_KEY);
let me = null; // GET /officer/me
let categories = new CategoryNames(); // code → {pl, en}
const reports = new Map(); // id → summary, in list order (newest first, as the API sends them)
const markers = new Map(); // id → Leaflet circle marker
let nextCursor = null;
let listRequest = 0; // answers to older list requests are dropped
let map = null;
let markerLayer = null;
let pickedPoint = null; // the consultation's point on the map
let current = null; // the report shown in the detail view

function categoryText(code) {
  const names = categories.get(code);
  return bilingual(names.pl, names.en);
}

function swatch(status) {
  const element = el("span", { className: "swatch", "aria-hidden": "true" });
  element.style.backgroundColor = statusInfo(status).colour;
  return element;
}

/** The API's error message (problem details), or what happened when the answer carries none. */
function sayError(element, answer) {
  const { pl, en } = errorOf(answer);
  say(element, pl, en, "error");
}

/** A failure of the panel itself, said as what it is: not a lost connection. */
function sayFailure(element, error) {
  if (error instanceof Offline) {
    say(element, "Brak połączenia z serwerem. Spróbuj ponownie.",
      "No connection to the server. Please try again.", "error");
    return;
  }
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  say(element, `Błąd w panelu (${what}). Odśwież stronę; jeśli się powtórzy, zgłoś to administratorowi.`,
    `The panel failed (${what}). Reload the page; if it happens again, tell your administrator.`,
    "error");
}

// An error no handler caught is still shown, truthfully, rather than leaving a silent panel.
function showPanelError(error) {
  if (error instanceof SignedOut) return;
  console.error(error);
  const banner = $("panel-error");
  sayFailure(banner, error);
  banner.classList.add("banner");
  banner.hidden = false;
}
window.addEventListener("error", (event) => showPanelError(event.error ?? event.message));
window.addEventListener("unhandledrejection", (event) => showPanelError(event.reason));

// ---- the API ------------------------------------------------------------------------------

/**
 * A call with the officer's token (the shared client); a 401 signs out and throws SignedOut,
 * no answer at all throws Offline.
 * @param {string} path
 * @param {{method?: string, body?: unknown}} [options]
 */
async function api(path, { method = "GET", body } = {}) {
  const answer = await callApi(path, { method, body, headers: { Authorization: `Bearer ${token}` } });
  if (answer.network) throw new Offline(`${method} ${path}`);
  if (answer.status === 401) {
    signOut("Sesja wygasła lub token jest nieprawidłowy. Zaloguj się ponownie.",
      "Your session has expired or the token is invalid. Please sign in again.", "error");
    throw new SignedOut();
  }
  return answer;
}

/** Runs an action; a failure is said in `messages` as what it is. A sign-out needs no word. */
async function guarded(messages, action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SignedOut) return undefined;
    console.error(error);
    sayFailure(messages, error);
    return undefined;
  }
}

// ---- signing in and out -------------------------------------------------------------------

function showSignIn() {
  $("workspace").hidden = true;
  $("session").hidden = true;
  $("sign-in").hidden = false;
}

function signIn(event) {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) {
    say($("sign-in-message"), "Wklej token.", "Paste a token.", "error");
    $("token").focus();
    return;
  }
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
  $("token").value = "";
  say($("sign-in-message"), "");
  start();
}

/**
 * @param {string} [polish]
 * @param {string} [english]
 * @param {""|"ok"|"error"} [kind]
 */
function signOut(polish = "Wylogowano.", english = "Signed out.", kind = "") {
  token = null;
  me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(UNIT_KEY);
  clearList();
  closeDetail();
  closeConsultation();
  $("whoami").textContent = "";
  showSignIn();
  say($("sign-in-message"), polish, english, kind);
  $("token").focus();
}

// ---- Cognito hosted UI (authorization code with PKCE) -----------------------------------
// In AWS /config.json names the user pool's domain and app client; locally it does not, and
// a development token is pasted instead. Either way the API verifies the same ID token.

const PKCE_KEY = "kmzb-officer-pkce";
const redirectUri = () => `${location.origin}${location.pathname}`;

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function cognitoConfig() {
  try {
    const response = await fetch("/config.json");
    const config = response.ok ? await response.json() : {};
    const cognito = config.cognito;
    return cognito && cognito.domain && cognito.client_id ? cognito : null;
  } catch {
    return null;
  }
}

/** Send the officer to the hosted UI; they come back with ?code=…&state=…. */
export async function signInWithCognitoHostedUi(cognito) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code", client_id: cognito.client_id, redirect_uri: redirectUri(),
    scope: "openid email profile", code_challenge: challenge, code_challenge_method: "S256",
    state,
  });
  location.assign(`${cognito.domain}/oauth2/authorize?${query}`);
}

/** Back from the hosted UI: exchange the code for the ID token. True when signed in. */
async function finishCognitoSignIn(cognito) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "{}");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", redirectUri() + location.hash); // the code is single-use
  if (!saved.verifier || params.get("state") !== saved.state) {
    say($("sign-in-message"), "Logowanie przerwane: spróbuj ponownie.",
      "Sign-in interrupted: please try again.", "error");
    return false;
  }
  const response = await fetch(`${cognito.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: cognito.client_id, code,
      redirect_uri: redirectUri(), code_verifier: saved.verifier,
    }),
  });
  const answer = response.ok ? await response.json() : {};
  if (!answer.id_token) {
    say($("sign-in-message"), "Logowanie nie powiodło się.", "Sign-in failed.", "error");
    return false;
  }
  token = answer.id_token;
  sessionStorage.setItem(TOKEN_KEY, answer.id_token);
  return true;
}

async function start() {
  $("sign-in").hidden = true;
  $("panel-error").hidden = true;
  await guarded($("sign-in-message"), async () => {
    const answer = await api("/officer/me");
    if (!answer.ok) {
      signOut();
      sayError($("sign-in-message"), answer);
      return;
    }
    me = answer.data;
    showWhoami(me);
    fillUnits(me);
    $("new-consultation").hidden = !mayRecordConsultations();
    $("session").hidden = false;
    $("workspace").hidden = false;
  });
  if ($("workspace").hidden) {
    if ($("sign-in").hidden) showSignIn(); // e.g. no connection: say so beside the form
    return;
  }
  await guarded($("list-status"), async () => {
    showMap();
    if (location.hash === OVERDUE_ROUTE) $("filter-overdue").checked = true;
    await loadCategories();
    await loadReports({ reset: true });
    if (!route()) $("reports-heading").focus(); // the sign-in form that had focus is gone
  });
}

const roleText = (role) => bilingual(...(ROLES[role] || [role, role]));
const isOfficer = () => me?.role === "officer";
const mayRecordConsultations = () => me?.role === "officer" || me?.role === "coordinator";
/** Coordinators and admins see whose subject (`sub`) made each change, besides the name. */
const showsSubjects = () => me?.role === "coordinator" || me?.role === "admin";

function showWhoami(who) {
  const where = who.unit?.name ?? (who.garrison ? `garnizon ${who.garrison}` : "");
  $("whoami").replaceChildren(
    el("strong", { text: who.name || who.sub }), " (", roleText(who.role), ")", el("br"),
    String(where), who.unit && who.garrison ? ` · garnizon ${who.garrison}` : "");
}

/** The units the caller may view: `units` from /me (the own unit for older APIs). */
function viewableUnits(who) {
  if (Array.isArray(who.units)) return who.units;
  return who.unit ? [who.unit] : [];
}

function fillUnits(who) {
  const units = [...viewableUnits(who)].sort((a, b) => a.name.localeCompare(b.name, "pl"));
  const picker = $("unit-picker");
  const options = units.map((unit) => el("option", { value: unit.id, text: unit.name }));
  if (who.role === "admin") {
    options.unshift(el("option", { value: "", text: "— wybierz jednostkę / choose a unit —" }));
  }
  picker.replaceChildren(...options);
  const saved = sessionStorage.getItem(UNIT_KEY);
  const fallback = who.unit?.id ?? (who.role === "admin" ? "" : units[0]?.id ?? "");
  picker.value = units.some((unit) => unit.id === saved) ? saved : fallback;
  $("unit-field").hidden = who.role === "officer"; // an officer has one unit, named above
  const help = who.role === "admin"
    ? ["Administrator przegląda każdą jednostkę garnizonu i niczego nie zmienia.",
      "An admin views every unit of the garrison and changes nothing."]
    : ["Koordynator widzi zgłoszenia swojej jednostki.", "A coordinator sees their own unit's reports."];
  $("unit-help").replaceChildren(bilingual(...help));
}

/** The unit the list shows; "" while an admin has not chosen one. */
function viewedUnit() {
  return isOfficer() ? me?.unit?.id ?? "" : $("unit-picker").value;
}

async function loadCategories() {
  if (categories.size) return;
  const list = await fetchCategories(async (path) => {
    const answer = await callApi(path);
    if (answer.network) throw new Offline(`GET ${path}`);
    if (!answer.ok) throw new Error(`GET /v1${path}: HTTP ${answer.status}`);
    return answer;
  });
  categories = new CategoryNames(list);
  // The statuses' names and colours from GET /v1/statuses (the built-in copy until then).
  if (await loadStatuses(callApi)) fillLegend();
  const sorted = [...list].sort((a, b) => a.name_pl.localeCompare(b.name_pl, "pl"));
  for (const category of sorted) {
    const text = `${category.name_pl} / ${category.name_en}`;
    $("filter-category").append(el("option", { value: category.code, text }));
    $("consultation-category").append(el("option", { value: category.code, text }));
  }
}

// ---- the list and the map -----------------------------------------------------------------

function showMap() {
  if (map) {
    map.invalidateSize();
    return;
  }
  map = L.map("map").fitBounds(POLAND);
  L.tileLayer(TILES, { maxZoom: 19, attribution: TILES_ATTRIBUTION }).addTo(map);
  markerLayer = L.featureGroup().addTo(map);
  map.on("click", (event) => {
    if (!$("consultation").hidden) pickPoint(event.latlng.lat, event.latlng.lng);
  });
}

function filterQuery() {
  const form = new FormData($("filters"));
  const query = new URLSearchParams();
  for (const name of ["status", "category", "from", "to"]) {
    const value = form.get(name);
    if (typeof value === "string" && value) query.set(name, value);
  }
  if (form.get("overdue")) query.set("overdue", "true");
  if (!isOfficer() && viewedUnit()) query.set("unit", viewedUnit());
  query.set("limit", "50");
  return query;
}

function clearList() {
  reports.clear();
  markers.clear();
  markerLayer?.clearLayers();
  $("report-list").replaceChildren();
  $("load-more").hidden = true;
  $("list-status").textContent = "";
  nextCursor = null;
}

async function loadReports({ reset }) {
  if (!viewedUnit()) {
    listRequest++;
    clearList();
    say($("list-status"), "Wybierz jednostkę, aby zobaczyć jej zgłoszenia.",
      "Choose a unit to see its reports.");
    return [];
  }
  const query = filterQuery();
  if (!reset && nextCursor) query.set("cursor", nextCursor);
  const request = ++listRequest;
  say($("list-status"), "Wczytywanie…", "Loading…");
  const answer = await api(`/officer/reports?${query}`);
  if (request !== listRequest) return [];
  if (!answer.ok) {
    if (reset) clearList();
    sayError($("list-status"), answer);
    return [];
  }
  const { data } = answer;
  if (reset) clearList();
  for (const summary of data.items) {
    reports.set(summary.id, summary);
    $("report-list").append(listItem(summary));
    addMarker(summary);
  }
  nextCursor = data.next_cursor || null;
  $("load-more").hidden = !nextCursor;
  if (reports.size) {
    say($("list-status"), `Wyświetlono zgłoszeń: ${reports.size}`, `Reports shown: ${reports.size}`);
  } else {
    say($("list-status"), "Brak zgłoszeń spełniających filtry.", "No reports match the filters.");
  }
  if (reset && markers.size) map.fitBounds(markerLayer.getBounds(), { maxZoom: 14, padding: [20, 20] });
  return data.items;
}

function listItem(summary) {
  const link = el("a", { href: reportLink(summary.id) },
    swatch(summary.status), el("strong", {}, categoryText(summary.category)));
  const facts = el("span", { className: "facts" }, statusText(summary.status),
    ` · ${when(summary.created_at)} · ${summary.powiat_name ?? summary.teryt}`);
  const item = el("li", { className: summary.overdue ? "overdue" : "", "data-id": summary.id },
    link, facts);
  if (summary.overdue) {
    item.append(el("span", { className: "badge" }, bilingual("Po terminie", "Overdue")));
  }
  if (current && current.id === summary.id) link.setAttribute("aria-current", "true");
  return item;
}

function markerStyle(summary) {
  return {
    radius: summary.overdue ? 10 : 7,
    color: summary.overdue ? "#000" : "#fff",
    weight: summary.overdue ? 3 : 1.5,
    dashArray: summary.overdue ? "4 3" : null,
    fillColor: statusInfo(summary.status).colour,
    fillOpacity: 0.9,
    className: summary.overdue ? "report-marker overdue" : "report-marker",
  };
}

function markerTooltip(summary) {
  const tooltip = el("span", {}, categoryText(summary.category), el("br"), statusText(summary.status));
  if (summary.overdue) tooltip.append(el("br"), bilingual("Po terminie", "Overdue"));
  return tooltip;
}

function addMarker(summary) {
  const marker = L.circleMarker([summary.lat, summary.lon], markerStyle(summary))
    .bindTooltip(markerTooltip(summary))
    .on("click", () => {
      if ($("consultation").hidden) location.hash = reportLink(summary.id);
    })
    .addTo(markerLayer);
  markers.set(summary.id, marker);
}

/** After a change in the detail view: the list entry and the marker follow. */
function updateSummary(detail) {
  if (!reports.has(detail.id)) return;
  const summary = { ...reports.get(detail.id) };
  for (const key of Object.keys(summary)) if (key in detail) summary[key] = detail[key];
  reports.set(detail.id, summary);
  $("report-list").querySelector(`li[data-id="${CSS.escape(detail.id)}"]`)
    ?.replaceWith(listItem(summary));
  const marker = markers.get(detail.id);
  marker?.setStyle(markerStyle(summary)).setTooltipContent(markerTooltip(summary));
}

// ---- routes -------------------------------------------------------------------------------

/** Shows what the address's fragment names; true when that is a view of its own. */
function route() {
  const match = location.hash.match(/^#\/r\/([^/]+)$/);
  if (match) {
    closeConsultation();
    openReport(decodeURIComponent(match[1]));
    return true;
  }
  if (location.hash === CONSULTATION_ROUTE && mayRecordConsultations()) {
    closeDetail();
    openConsultation();
    return true;
  }
  const closed = current?.id;
  const wasRecording = !$("consultation").hidden;
  closeDetail();
  closeConsultation();
  if (closed) { // back to where the officer was in the list
    const link = $("report-list").querySelector(`li[data-id="${CSS.escape(closed)}"] a`);
    (link || $("reports-heading")).focus();
  } else if (wasRecording) {
    $("new-consultation").focus();
  }
  if (location.hash === OVERDUE_ROUTE && !$("filter-overdue").checked) {
    $("filter-overdue").checked = true;
    guarded($("list-status"), () => loadReports({ reset: true }));
  }
  return false;
}

// ---- the detail view ----------------------------------------------------------------------

function closeDetail() {
  current = null;
  $("detail").hidden = true;
  for (const link of $("report-list").querySelectorAll("[aria-current]")) {
    link.removeAttribute("aria-current");
  }
}

async function openReport(id) {
  const section = $("detail");
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  await guarded($("detail-message"), async () => {
    const answer = await api(`/officer/reports/${encodeURIComponent(id)}`);
    if (!answer.ok) {
      current = null;
      $("detail-heading").replaceChildren(bilingual(`Zgłoszenie ${id}`, `Report ${id}`));
      $("detail-body").hidden = true;
      sayError($("detail-message"), answer);
      return;
    }
    say($("detail-message"), "");
    renderDetail(answer.data);
  });
  section.removeAttribute("aria-busy");
  $("detail-heading").focus();
}

function fact(list, polish, english, ...value) {
  list.append(el("dt", {}, bilingual(polish, english)), el("dd", {}, ...value));
}

/** The moves the caller may make, with what each needs (`transitions`; older APIs: derived). */
function transitionsOf(detail) {
  if (Array.isArray(detail.transitions)) return detail.transitions;
  return (detail.allowed_transitions || []).map((status) =>
    ({ status, requires_institution: status === HANDED_OVER, closes: CLOSED.has(status) }));
}

/** What the caller may do with the report (`actions`; older APIs: derived from the role). */
function actionsOf(detail) {
  if (Array.isArray(detail.actions)) return new Set(detail.actions);
  if (!me || me.role === "admin") return new Set();
  const actions = new Set(["note"]);
  if ((detail.allowed_transitions || []).length) actions.add("status");
  if (DUPLICATE_FROM.has(detail.status)) actions.add("duplicate");
  if (me.role === "coordinator" && !CLOSED.has(detail.status)) actions.add("assign");
  return actions;
}

/** Who did it: the name then, and for coordinators and admins the immutable subject. */
function author(entry) {
  const name = entry.by_name === undefined ? entry.by : entry.by_name;
  const subject = entry.by_name === undefined ? null : entry.by;
  const who = el("span", { className: "who", text: name || subject || "—" });
  if (showsSubjects() && subject) {
    who.append(" ", el("span", { className: "subject" }, "(", bilingual("identyfikator", "subject"),
      `: ${subject})`));
  }
  return who;
}

function renderDetail(detail) {
  if (!current || current.id !== detail.id) {
    for (const id of ["status-note", "institution", "note-text", "original-id"]) $(id).value = "";
    $("candidates").replaceChildren();
    $("candidates-status").textContent = "";
  }
  current = detail;
  $("detail-body").hidden = false;
  for (const link of $("report-list").querySelectorAll("a")) {
    if (link.getAttribute("href") === reportLink(detail.id)) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  $("detail-heading").replaceChildren(categoryText(detail.category));

  const facts = $("detail-facts");
  facts.replaceChildren();
  fact(facts, "Numer", "Number", el("span", { className: "report-id", text: detail.id }));
  fact(facts, "Status", "", swatch(detail.status), statusText(detail.status));
  if (detail.overdue) {
    fact(facts, "Termin", "Deadline", el("strong", { className: "overdue-text" },
      bilingual(`Po terminie (minął ${when(detail.due_at)})`, `Overdue (due ${when(detail.due_at)})`)));
  } else if (detail.due_at) {
    fact(facts, "Termin", "Deadline", when(detail.due_at));
  }
  fact(facts, "Miejsce", "Place",
    `${detail.powiat_name ?? ""} (TERYT ${detail.teryt}), ${detail.lat}, ${detail.lon}`);
  if (detail.unit?.name && !isOfficer()) fact(facts, "Jednostka", "Unit", detail.unit.name);
  fact(facts, "Potwierdzenia obywateli", "Citizens' confirmations",
    el("span", { className: "confirmations", text: detail.confirmations ?? "—" }));
  fact(facts, "Przyjęto", "Received", when(detail.created_at));
  fact(facts, "Zmieniono", "Changed", when(detail.modified_at));
  fact(facts, "Kiedy wystąpiło", "Occurred", when(detail.occurred_at));
  const time = TIMES_OF_DAY.find((x) => x.code === detail.time_of_day);
  fact(facts, "Pora dnia", "Time of day", time ? bilingual(time.pl, time.en) : detail.time_of_day ?? "—");
  const days = (detail.days_of_week || []).map((/** @type {string} */ d) =>
    DAYS.find((x) => x.code === d) || { shortPl: d, shortEn: d });
  fact(facts, "Dni tygodnia", "Days of the week", days.length
    ? bilingual(days.map((d) => d.shortPl).join(", "), days.map((d) => d.shortEn).join(", ")) : "—");
  if (detail.meeting_date) fact(facts, "Data spotkania", "Meeting date", when(detail.meeting_date));
  if (detail.meeting_place) fact(facts, "Miejsce spotkania", "Meeting place", detail.meeting_place);
  const source = SOURCES[detail.source];
  fact(facts, "Źródło", "Source", source ? bilingual(...source) : detail.source ?? "—");
  if (detail.assignee) fact(facts, "Przydzielone", "Assigned to", detail.assignee);
  if (detail.duplicate_of) {
    fact(facts, "Duplikat zgłoszenia", "Duplicate of",
      el("a", { href: reportLink(detail.duplicate_of), text: detail.duplicate_of }));
  }
  if (detail.handed_to) fact(facts, "Przekazano do", "Handed over to", detail.handed_to);

  const description = $("detail-description");
  description.classList.toggle("empty", !detail.description);
  if (detail.description) description.textContent = detail.description;
  else description.replaceChildren(bilingual("(brak opisu)", "(no description)"));

  renderActions(detail);
  renderEntries($("notes"), detail.notes || [], (note) => [el("p", { text: note.text })],
    bilingual("Brak notatek.", "No notes."));
  renderEntries($("audit"), detail.audit || [], auditText, bilingual("Brak wpisów.", "No entries."));
}

/** Only what the API lets this role do now is offered; an admin gets no controls at all. */
function renderActions(detail) {
  const actions = actionsOf(detail);
  const transitions = actions.has("status") ? transitionsOf(detail) : [];
  $("read-only").hidden = actions.size > 0;
  $("status-form").hidden = actions.size === 0;
  renderTransitions(transitions);
  $("duplicate-form").hidden = !actions.has("duplicate");
  $("assign-form").hidden = !actions.has("assign");
  $("assignee").value = detail.assignee ?? "";
  $("note-form").hidden = !actions.has("note");
}

function renderTransitions(transitions) {
  const buttons = transitions.map((transition) => {
    const button = el("button", { type: "button", "data-status": transition.status },
      swatch(transition.status), statusText(transition.status));
    button.addEventListener("click", () => changeStatus(transition));
    return button;
  });
  $("transitions").replaceChildren(...buttons);
  $("no-transitions").hidden = transitions.length > 0;
  const needsInstitution = transitions.some((t) => t.requires_institution);
  $("institution-field").hidden = !needsInstitution;
  $("institution").required = needsInstitution;
  $("status-note").disabled = transitions.length === 0;
}

function renderEntries(list, entries, describe, empty) {
  list.replaceChildren(...entries.map((entry) => el("li", {},
    el("span", { className: "meta" }, `${when(entry.at)} · `, author(entry)), " ", ...describe(entry))));
  if (!entries.length) list.append(el("li", { className: "empty" }, empty));
}

function auditText(entry) {
  const [polish, english] = ACTIONS[entry.action] || [entry.action, entry.action];
  const parts = [el("span", { className: "action" }, bilingual(polish, english))];
  const from = entry.from_status;
  const to = entry.to_status;
  if (from && to) {
    parts.push(el("span", { className: "change" }, ": ", statusText(from), " → ", statusText(to)));
  } else if (to) { // a new report: its first status
    parts.push(el("span", { className: "change" }, ": ", statusText(to)));
  }
  if (entry.action === "duplicate" && entry.original_id) {
    parts.push(el("p", {}, bilingual("Oryginał:", "Original:"), " ",
      el("a", { href: reportLink(entry.original_id), text: entry.original_id })));
  }
  if (entry.action === "assign") {
    parts.push(el("p", {}, entry.note
      ? bilingual(`Przydzielono: ${entry.note}`, `Assigned to: ${entry.note}`)
      : bilingual("Zdjęto przydział.", "Unassigned.")));
  } else if (entry.note) {
    parts.push(el("p", { text: entry.note }));
  }
  return parts;
}

function setBusy(busy) {
  for (const control of $("detail-body").querySelectorAll("button, textarea, input")) {
    control.disabled = busy;
  }
  $("detail").setAttribute("aria-busy", String(busy));
}

/** One change of the report (status, duplicate, assignment): the answer is the new detail;
 * a 409 carries the current state, which the panel then shows. */
async function changeReport(path, body, done) {
  const message = $("detail-message");
  const id = current.id;
  setBusy(true);
  await guarded(message, async () => {
    const answer = await api(`/officer/reports/${encodeURIComponent(id)}/${path}`,
      { method: "POST", body });
    if (answer.ok) {
      renderDetail(answer.data);
      updateSummary(answer.data);
      done(answer.data);
    } else if (answer.status === 409) {
      const fresh = answer.data?.current ?? (await api(`/officer/reports/${encodeURIComponent(id)}`)).data;
      if (fresh?.id) {
        renderDetail(fresh);
        updateSummary(fresh);
      }
      sayError(message, answer);
    } else {
      sayError(message, answer);
    }
  });
  setBusy(false);
  if (current) renderActions(current);
  message.focus();
}

async function changeStatus({ status, requires_institution: needsInstitution, closes }) {
  const message = $("detail-message");
  const institution = $("institution");
  institution.removeAttribute("aria-invalid");
  const body = { status, version: current.status_version };
  const note = clean($("status-note").value);
  if (note) body.note = note;
  if (needsInstitution) {
    if (isBlank(institution.value)) {
      institution.setAttribute("aria-invalid", "true");
      say(message, "Podaj instytucję, której przekazano zgłoszenie.",
        "Name the institution the report is handed over to.", "error");
      institution.focus();
      return;
    }
    body.institution = clean(institution.value);
  }
  if (closes) {
    const { name, en } = statusInfo(status);
    const confirmed = await askToConfirm({
      question: [`Zamknąć zgłoszenie jako „${name}”?`, `Close the report as "${en}"?`],
      detail: ["Ponownie otworzyć je może tylko koordynator.", "Only a coordinator can reopen it."],
      confirm: [`Tak, zmień na „${name}”`, `Yes, change to "${en}"`],
    });
    if (!confirmed) {
      say(message, "Anulowano: status bez zmian.", "Cancelled: the status is unchanged.");
      return;
    }
  }
  await changeReport("status", body, () => {
    $("status-note").value = "";
    institution.value = "";
    const { name, en } = statusInfo(status);
    say(message, `Zmieniono status na: ${name}.`, `Status changed to: ${en}.`, "ok");
  });
}

// ---- duplicates ---------------------------------------------------------------------------

async function loadCandidates() {
  const status = $("candidates-status");
  const id = current.id;
  say(status, "Wczytywanie…", "Loading…");
  await guarded(status, async () => {
    const answer = await api(`/officer/reports/${encodeURIComponent(id)}/candidates`);
    if (current?.id !== id) return;
    if (!answer.ok) {
      sayError(status, answer);
      return;
    }
    const candidates = answer.data.candidates || [];
    $("candidates").replaceChildren(...candidates.map(candidateItem));
    if (candidates.length) {
      say(status, `Otwarte zgłoszenia w pobliżu: ${candidates.length}`,
        `Open reports nearby: ${candidates.length}`);
    } else {
      say(status, "Brak otwartych zgłoszeń w pobliżu.", "No open reports nearby.");
    }
  });
}

function candidateItem(candidate, index) {
  const inputId = `candidate-${index}`;
  const radio = el("input", { type: "radio", name: "candidate", id: inputId, value: candidate.id });
  radio.checked = $("original-id").value === candidate.id;
  radio.addEventListener("change", () => { $("original-id").value = candidate.id; });
  const label = el("label", { for: inputId }, swatch(candidate.status),
    el("strong", {}, categoryText(candidate.category)), el("br"),
    statusText(candidate.status), ` · ${when(candidate.created_at)} · ${distance(candidate.distance_m)}`,
    el("br"), el("span", { className: "report-id", text: candidate.id }));
  const open = el("a", { href: reportLink(candidate.id), className: "open" },
    bilingual("otwórz", "open"), el("span", { className: "sr-only", text: ` ${candidate.id}` }));
  return el("li", {}, radio, label, open);
}

async function markDuplicate(event) {
  event.preventDefault();
  const message = $("detail-message");
  const field = $("original-id");
  field.removeAttribute("aria-invalid");
  const original = clean(field.value);
  if (!original) {
    field.setAttribute("aria-invalid", "true");
    say(message, "Wybierz albo wpisz zgłoszenie, którego to jest duplikat.",
      "Choose or type the report this one duplicates.", "error");
    field.focus();
    return;
  }
  const confirmed = await askToConfirm({
    question: [`Oznaczyć jako duplikat zgłoszenia ${original}?`,
      `Mark as a duplicate of report ${original}?`],
    detail: ["Zgłoszenie zostanie zamknięte jako „Niepotwierdzone”.",
      "The report will be closed as \"Not confirmed\"."],
    confirm: ["Tak, oznacz jako duplikat", "Yes, mark as a duplicate"],
  });
  if (!confirmed) {
    say(message, "Anulowano: zgłoszenie bez zmian.", "Cancelled: the report is unchanged.");
    return;
  }
  await changeReport("duplicate", { original_id: original, version: current.status_version }, () => {
    field.value = "";
    $("candidates").replaceChildren();
    $("candidates-status").textContent = "";
    say(message, `Oznaczono jako duplikat zgłoszenia ${original}.`,
      `Marked as a duplicate of report ${original}.`, "ok");
  });
}

async function assign(event) {
  event.preventDefault();
  const assignee = clean($("assignee").value);
  await changeReport("assign", { assignee: assignee || null, version: current.status_version },
    () => {
      const message = $("detail-message");
      if (assignee) say(message, `Przydzielono: ${assignee}.`, `Assigned to: ${assignee}.`, "ok");
      else say(message, "Zdjęto przydział.", "Unassigned.", "ok");
    });
}

async function addNote(event) {
  event.preventDefault();
  const message = $("detail-message");
  const text = clean($("note-text").value);
  if (!text) {
    say(message, "Wpisz treść notatki.", "Write the note first.", "error");
    $("note-text").focus();
    return;
  }
  const id = current.id;
  setBusy(true);
  await guarded(message, async () => {
    const answer = await api(`/officer/reports/${encodeURIComponent(id)}/notes`,
      { method: "POST", body: { text } });
    if (answer.ok) {
      renderDetail(answer.data);
      updateSummary(answer.data);
      $("note-text").value = "";
      say(message, "Dodano notatkę.", "Note added.", "ok");
    } else {
      sayError(message, answer);
    }
  });
  setBusy(false);
  if (current) renderActions(current);
  $("note-text").focus();
}

// ---- consultations (plane 2) --------------------------------------------------------------

function openConsultation() {
  const section = $("consultation");
  const wasHidden = section.hidden;
  section.hidden = false;
  $("meeting-date").max = warsawToday();
  if (wasHidden) {
    say($("consultation-message"), "");
    $("consultation-heading").focus();
  }
}

function closeConsultation() {
  $("consultation").hidden = true;
  if (pickedPoint) {
    pickedPoint.remove();
    pickedPoint = null;
  }
}

function pickPoint(lat, lon) {
  $("consultation-lat").value = lat.toFixed(6);
  $("consultation-lon").value = lon.toFixed(6);
  showPickedPoint();
}

/** The point as typed, or null: a number of degrees (a decimal comma is accepted). */
function coordinate(id) {
  const text = clean($(id).value).replace(",", ".");
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

function showPickedPoint() {
  const lat = coordinate("consultation-lat");
  const lon = coordinate("consultation-lon");
  if (lat === null || lon === null || !map) return;
  if (!pickedPoint) {
    pickedPoint = L.circleMarker([lat, lon],
      { radius: 9, color: "#0b3d91", weight: 3, fillColor: "#fff", fillOpacity: 0.9 }).addTo(map);
  } else {
    pickedPoint.setLatLng([lat, lon]);
  }
}

function invalidField(id, polish, english) {
  const message = $("consultation-message");
  $(id).setAttribute("aria-invalid", "true");
  say(message, polish, english, "error");
  $(id).focus();
}

async function recordConsultation(event) {
  event.preventDefault();
  const form = $("consultation-form");
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  const category = $("consultation-category").value;
  const lat = coordinate("consultation-lat");
  const lon = coordinate("consultation-lon");
  const meetingDate = $("meeting-date").value;
  const place = clean($("meeting-place").value);
  const description = clean($("consultation-description").value);
  if (!category) {
    invalidField("consultation-category", "Wybierz kategorię.", "Choose a category.");
    return;
  }
  if (lat === null || lat < -90 || lat > 90) {
    invalidField("consultation-lat", "Podaj szerokość geograficzną w stopniach (np. 50.0614) albo kliknij na mapie.",
      "Give the latitude in degrees (e.g. 50.0614) or click the map.");
    return;
  }
  if (lon === null || lon < -180 || lon > 180) {
    invalidField("consultation-lon", "Podaj długość geograficzną w stopniach (np. 19.9366) albo kliknij na mapie.",
      "Give the longitude in degrees (e.g. 19.9366) or click the map.");
    return;
  }
  if (length(description) > MAX_DESCRIPTION) {
    invalidField("consultation-description",
      `Opis może mieć najwyżej ${MAX_DESCRIPTION} znaków (ma ${length(description)}).`,
      `The description may have at most ${MAX_DESCRIPTION} characters (it has ${length(description)}).`);
    return;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(meetingDate)) {
    invalidField("meeting-date", "Podaj datę spotkania.", "Give the meeting's date.");
    return;
  }
  if (meetingDate > warsawToday()) {
    invalidField("meeting-date", "Data spotkania nie może być w przyszłości.",
      "The meeting cannot be in the future.");
    return;
  }
  if (!place) {
    invalidField("meeting-place", "Podaj miejsce spotkania.", "Give the meeting's place.");
    return;
  }
  const body = { category, lat, lon, meeting_date: meetingDate, meeting_place: place };
  if (description) body.description = description;
  const message = $("consultation-message");
  const controls = form.querySelectorAll("button, input, select, textarea");
  for (const control of controls) control.disabled = true;
  await guarded(message, async () => {
    const answer = await api("/officer/consultations", { method: "POST", body });
    if (!answer.ok) {
      sayError(message, answer);
      return;
    }
    const detail = answer.data;
    form.reset();
    closeConsultation();
    if (viewedUnit() === detail.unit?.id && !reports.has(detail.id)) {
      reports.set(detail.id, detail);
      $("report-list").prepend(listItem(detail));
      addMarker(detail);
    }
    location.hash = reportLink(detail.id);
    say($("detail-message"), "Zapisano zgłoszenie z konsultacji.",
      "The report from the consultation is saved.", "ok");
  });
  for (const control of controls) control.disabled = false;
  if (!$("consultation").hidden) message.focus();
}

// ---- wiring -------------------------------------------------------------------------------

/** The status filter's options (values: codes) and the legend, from the status catalogue. */
function fillLegend() {
  const status = $("filter-status");
  const chosen = status.value;
  for (const option of [...status.options]) if (option.value) option.remove();
  $("legend").replaceChildren();
  for (const { code, name, en } of ALL_STATUSES) {
    status.append(el("option", { value: code, text: `${name} / ${en}` }));
    $("legend").append(el("li", {}, swatch(code), statusText(code)));
  }
  status.value = chosen;
  $("legend").append(el("li", {}, el("span", { className: "swatch overdue", "aria-hidden": "true" }),
    bilingual("obwódka: po terminie", "ring: overdue")));
}

fillLegend();
$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut());
$("unit-picker").addEventListener("change", () => {
  sessionStorage.setItem(UNIT_KEY, $("unit-picker").value);
  guarded($("list-status"), () => loadReports({ reset: true }));
});
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  guarded($("list-status"), () => loadReports({ reset: true }));
});
$("filters").addEventListener("reset", () => {
  setTimeout(() => guarded($("list-status"), () => loadReports({ reset: true })));
});
$("load-more").addEventListener("click", () => guarded($("list-status"), async () => {
  const added = await loadReports({ reset: false });
  if (added.length && $("load-more").hidden) {
    $("report-list").querySelector(`li[data-id="${CSS.escape(added[0].id)}"] a`)?.focus();
  }
}));
$("note-form").addEventListener("submit", addNote);
$("status-form").addEventListener("submit", (event) => event.preventDefault());
$("duplicate-form").addEventListener("submit", markDuplicate);
$("load-candidates").addEventListener("click", loadCandidates);
$("original-id").addEventListener("input", () => {
  for (const radio of $("candidates").querySelectorAll("input")) {
    radio.checked = radio.value === $("original-id").value;
  }
});
$("assign-form").addEventListener("submit", assign);
$("consultation-form").addEventListener("submit", recordConsultation);
for (const id of ["consultation-lat", "consultation-lon"]) $(id).addEventListener("change", showPickedPoint);
window.addEventListener("hashchange", () => { if (token && me) route(); });

(async () => {
  const cognito = await cognitoConfig();
  if (cognito) {
    $("cognito-sign-in").hidden = false;
    $("cognito-sign-in").addEventListener("click", () => signInWithCognitoHostedUi(cognito));
    if (await finishCognitoSignIn(cognito)) return start();
  }
  if (token) start();
  else showSignIn();
})();
