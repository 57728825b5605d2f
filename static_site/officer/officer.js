// Officer panel. Every text from the API is set with textContent: never as HTML.
/* global L */
const TOKEN_KEY = "kmzb.officer.token";
const TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
const POLAND = [[49.0, 14.1], [54.9, 24.2]];
const HANDED_OVER = "Potwierdzone (przekazane poza Policję)";
const OVERDUE_ROUTE = "#/overdue"; // the daily overdue summary links here

const STATUSES = new Map([
  ["Nowe", { en: "New", colour: "#2e7d32" }],
  ["Weryfikacja", { en: "Verification", colour: "#f9c80e" }],
  ["Potwierdzone", { en: "Confirmed", colour: "#c62828" }],
  ["Niepotwierdzone", { en: "Not confirmed", colour: "#8a8a8a" }],
  ["Żart lub pomyłka", { en: "Prank or mistake", colour: "#7b3fa0" }],
  ["Potwierdzone (wyeliminowane)", { en: "Confirmed (eliminated)", colour: "#1565c0" }],
  [HANDED_OVER, { en: "Confirmed (handed over outside the Police)", colour: "#8d5a2b" }],
]);
const ROLES = { officer: ["funkcjonariusz", "officer"], coordinator: ["koordynator", "coordinator"],
  admin: ["administrator", "administrator"] };
const TIMES_OF_DAY = { rano: ["rano", "morning"], dzien: ["dzień", "day"],
  wieczor: ["wieczór", "evening"], noc: ["noc", "night"] };
const DAYS = { mon: ["pon.", "Mon"], tue: ["wt.", "Tue"], wed: ["śr.", "Wed"], thu: ["czw.", "Thu"],
  fri: ["pt.", "Fri"], sat: ["sob.", "Sat"], sun: ["niedz.", "Sun"] };
const SOURCES = { citizen_web: ["formularz obywatela", "citizen web form"],
  consultation: ["konsultacja", "consultation"] };
const ACTIONS = { status: ["zmiana statusu", "status change"], note: ["notatka", "note"],
  assign: ["przydział", "assignment"], duplicate: ["oznaczenie duplikatu", "marked as duplicate"] };
const WHEN = new Intl.DateTimeFormat("pl-PL",
  { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Warsaw" });

const $ = (id) => document.getElementById(id);

class SignedOut extends Error {}

let token = sessionStorage.getItem(TOKEN_KEY);
const categories = new Map(); // code → {name_pl, name_en}
const reports = new Map(); // id → summary, in list order (newest first, as the API sends them)
const markers = new Map(); // id → Leaflet circle marker
let nextCursor = null;
let listRequest = 0; // answers to older list requests are dropped
let map = null;
let markerLayer = null;
let current = null; // the report shown in the detail view

// ---- small DOM helpers ------------------------------------------------------------------

/** An element with text set as text, never parsed as HTML. */
function el(tag, { text, className, lang, ...attributes } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (lang) element.lang = lang;
  if (text !== undefined && text !== null) element.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Polish text followed by its English translation in a span lang="en". */
function bilingual(polish, english) {
  const fragment = document.createDocumentFragment();
  fragment.append(String(polish));
  if (english && english !== polish) fragment.append(el("span", { lang: "en", text: ` / ${english}` }));
  return fragment;
}

function say(element, polish, english, kind = "") {
  element.className = kind;
  element.replaceChildren(bilingual(polish, english));
}

function sayError(element, data) {
  const error = data && data.error;
  if (error) say(element, error.message, error.message_en, "error");
  else say(element, "Wystąpił nieoczekiwany błąd.", "Something went wrong.", "error");
}

function when(iso) {
  const date = new Date(iso);
  if (!iso) return "—";
  return Number.isNaN(date.getTime()) ? String(iso) : WHEN.format(date);
}
const statusInfo = (status) => STATUSES.get(status) || { en: status, colour: "#444" };
const statusText = (status) => bilingual(status, statusInfo(status).en);
const reportLink = (id) => `#/r/${encodeURIComponent(id)}`;

function categoryText(code) {
  const category = categories.get(code);
  return category ? bilingual(category.name_pl, category.name_en) : bilingual(code);
}

function swatch(status) {
  const element = el("span", { className: "swatch", "aria-hidden": "true" });
  element.style.backgroundColor = statusInfo(status).colour;
  return element;
}

// ---- the API ------------------------------------------------------------------------------

/** A call with the officer's token; a 401 signs out and throws SignedOut. */
async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/v1${path}`,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    signOut("Sesja wygasła lub token jest nieprawidłowy. Zaloguj się ponownie.",
      "Your session has expired or the token is invalid. Please sign in again.", "error");
    throw new SignedOut();
  }
  const data = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, data };
}

/** Runs an action, reporting a lost connection in `messages`; a sign-out needs no report. */
async function guarded(messages, action) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SignedOut) return undefined;
    console.error(error);
    say(messages, "Brak połączenia z serwerem. Spróbuj ponownie.",
      "No connection to the server. Please try again.", "error");
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
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  say($("sign-in-message"), "");
  start();
}

function signOut(polish = "Wylogowano.", english = "Signed out.", kind = "") {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearList();
  closeDetail();
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
  sessionStorage.setItem(TOKEN_KEY, token);
  return true;
}

async function start() {
  $("sign-in").hidden = true;
  await guarded($("sign-in-message"), async () => {
    const me = await api("/officer/me");
    if (!me.ok) {
      signOut();
      sayError($("sign-in-message"), me.data);
      return;
    }
    showWhoami(me.data);
    $("session").hidden = false;
    $("workspace").hidden = false;
    showMap();
    if (location.hash === OVERDUE_ROUTE) $("filter-overdue").checked = true;
    await loadCategories();
    await loadReports({ reset: true });
    if (!route()) $("reports-heading").focus(); // the sign-in form that had focus is gone
  });
  if ($("sign-in").hidden && $("workspace").hidden) showSignIn(); // e.g. no connection
}

function showWhoami(me) {
  const [rolePl, roleEn] = ROLES[me.role] || [me.role, me.role];
  $("whoami").replaceChildren(
    el("strong", { text: me.name || me.sub }), " (", bilingual(rolePl, roleEn), ")", el("br"),
    String(me.unit.name), me.garrison ? ` · garnizon ${me.garrison}` : "");
}

async function loadCategories() {
  if (categories.size) return;
  const response = await fetch("/v1/categories", { headers: { Accept: "application/json" } });
  const { categories: list } = await response.json();
  const select = $("filter-category");
  for (const category of [...list].sort((a, b) => a.name_pl.localeCompare(b.name_pl, "pl"))) {
    categories.set(category.code, category);
    select.append(el("option", { value: category.code,
      text: `${category.name_pl} / ${category.name_en}` }));
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
}

function filterQuery() {
  const form = new FormData($("filters"));
  const query = new URLSearchParams();
  for (const name of ["status", "category", "from", "to"]) {
    if (form.get(name)) query.set(name, form.get(name));
  }
  if (form.get("overdue")) query.set("overdue", "true");
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
  const query = filterQuery();
  if (!reset && nextCursor) query.set("cursor", nextCursor);
  const request = ++listRequest;
  say($("list-status"), "Wczytywanie…", "Loading…");
  const { ok, data } = await api(`/officer/reports?${query}`);
  if (request !== listRequest) return [];
  if (!ok) {
    sayError($("list-status"), data);
    return [];
  }
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
    .on("click", () => { location.hash = reportLink(summary.id); })
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

// ---- the detail view ----------------------------------------------------------------------

/** Shows what the address's fragment names; true when that is a report. */
function route() {
  const match = location.hash.match(/^#\/r\/([^/]+)$/);
  if (match) {
    openReport(decodeURIComponent(match[1]));
    return true;
  }
  const closed = current?.id;
  closeDetail();
  if (closed) { // back to where the officer was in the list
    const link = $("report-list").querySelector(`li[data-id="${CSS.escape(closed)}"] a`);
    (link || $("reports-heading")).focus();
  }
  if (location.hash === OVERDUE_ROUTE && !$("filter-overdue").checked) {
    $("filter-overdue").checked = true;
    guarded($("list-status"), () => loadReports({ reset: true }));
  }
  return false;
}

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
    const { ok, data } = await api(`/officer/reports/${encodeURIComponent(id)}`);
    if (!ok) {
      current = null;
      $("detail-heading").replaceChildren(bilingual(`Zgłoszenie ${id}`, `Report ${id}`));
      $("detail-body").hidden = true;
      sayError($("detail-message"), data);
      return;
    }
    say($("detail-message"), "");
    renderDetail(data);
  });
  section.removeAttribute("aria-busy");
  $("detail-heading").focus();
}

function fact(list, polish, english, ...value) {
  list.append(el("dt", {}, bilingual(polish, english)), el("dd", {}, ...value));
}

function renderDetail(detail) {
  if (!current || current.id !== detail.id) {
    for (const id of ["status-note", "institution", "note-text"]) $(id).value = "";
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
  fact(facts, "Numer", "Number", detail.id);
  fact(facts, "Status", "", swatch(detail.status), statusText(detail.status));
  if (detail.overdue) {
    fact(facts, "Termin", "Deadline", el("strong", { className: "overdue-text" },
      bilingual(`Po terminie (minął ${when(detail.due_at)})`, `Overdue (due ${when(detail.due_at)})`)));
  } else if (detail.due_at) {
    fact(facts, "Termin", "Deadline", when(detail.due_at));
  }
  fact(facts, "Miejsce", "Place",
    `${detail.powiat_name ?? ""} (TERYT ${detail.teryt}), ${detail.lat}, ${detail.lon}`);
  fact(facts, "Przyjęto", "Received", when(detail.created_at));
  fact(facts, "Zmieniono", "Changed", when(detail.modified_at));
  fact(facts, "Kiedy wystąpiło", "Occurred", when(detail.occurred_at));
  const time = TIMES_OF_DAY[detail.time_of_day];
  fact(facts, "Pora dnia", "Time of day", time ? bilingual(...time) : detail.time_of_day ?? "—");
  const days = (detail.days_of_week || []).map((d) => DAYS[d] || [d, d]);
  fact(facts, "Dni tygodnia", "Days of the week", days.length
    ? bilingual(days.map((d) => d[0]).join(", "), days.map((d) => d[1]).join(", ")) : "—");
  if (detail.meeting_date) fact(facts, "Termin spotkania", "Meeting date", when(detail.meeting_date));
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

  renderTransitions(detail.allowed_transitions || []);
  renderEntries($("notes"), detail.notes || [], (note) => [el("p", { text: note.text })],
    bilingual("Brak notatek.", "No notes."));
  renderEntries($("audit"), detail.audit || [], auditText, bilingual("Brak wpisów.", "No entries."));
}

function renderTransitions(allowed) {
  const buttons = allowed.map((status) => {
    const button = el("button", { type: "button", "data-status": status }, swatch(status),
      statusText(status));
    button.addEventListener("click", () => changeStatus(status));
    return button;
  });
  $("transitions").replaceChildren(...buttons);
  $("no-transitions").hidden = allowed.length > 0;
  $("institution-field").hidden = !allowed.includes(HANDED_OVER);
  $("status-note").disabled = allowed.length === 0;
}

function renderEntries(list, entries, describe, empty) {
  list.replaceChildren(...entries.map((entry) => el("li", {},
    el("span", { className: "meta", text: `${when(entry.at)} · ${entry.by}` }), ...describe(entry))));
  if (!entries.length) list.append(el("li", { className: "empty" }, empty));
}

function auditText(entry) {
  const [polish, english] = ACTIONS[entry.action] || [entry.action, entry.action];
  const parts = [el("span", { className: "action" }, bilingual(polish, english))];
  if (entry.from || entry.to) {
    parts.push(el("span", { className: "change" }, ": ", entry.from ? statusText(entry.from) : "—",
      " → ", entry.to ? statusText(entry.to) : "—"));
  }
  if (entry.note) parts.push(el("p", { text: entry.note }));
  return parts;
}

function setBusy(busy) {
  for (const control of $("detail-body").querySelectorAll("button, textarea, input")) {
    control.disabled = busy;
  }
  $("detail").setAttribute("aria-busy", String(busy));
}

async function changeStatus(status) {
  const message = $("detail-message");
  const institution = $("institution");
  institution.removeAttribute("aria-invalid");
  const body = { status, version: current.status_version };
  const note = $("status-note").value.trim();
  if (note) body.note = note;
  if (status === HANDED_OVER) {
    body.institution = institution.value.trim();
    if (!body.institution) {
      institution.setAttribute("aria-invalid", "true");
      say(message, "Podaj instytucję, której przekazano zgłoszenie.",
        "Name the institution the report is handed over to.", "error");
      institution.focus();
      return;
    }
  }
  const id = current.id;
  setBusy(true);
  await guarded(message, async () => {
    const answer = await api(`/officer/reports/${encodeURIComponent(id)}/status`,
      { method: "POST", body });
    if (answer.ok) {
      renderDetail(answer.data);
      updateSummary(answer.data);
      $("status-note").value = "";
      institution.value = "";
      say(message, `Zmieniono status na: ${status}.`, `Status changed to: ${statusInfo(status).en}.`,
        "ok");
    } else if (answer.status === 409) {
      const fresh = answer.data?.current ?? (await api(`/officer/reports/${encodeURIComponent(id)}`)).data;
      if (fresh?.id) {
        renderDetail(fresh);
        updateSummary(fresh);
      }
      sayError(message, answer.data);
    } else {
      sayError(message, answer.data);
    }
  });
  setBusy(false);
  renderTransitions(current?.allowed_transitions || []);
  message.focus();
}

async function addNote(event) {
  event.preventDefault();
  const message = $("detail-message");
  const text = $("note-text").value.trim();
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
      sayError(message, answer.data);
    }
  });
  setBusy(false);
  renderTransitions(current?.allowed_transitions || []);
  $("note-text").focus();
}

// ---- wiring -------------------------------------------------------------------------------

function fillLegend() {
  const status = $("filter-status");
  for (const [name, { en }] of STATUSES) {
    status.append(el("option", { value: name, text: `${name} / ${en}` }));
    $("legend").append(el("li", {}, swatch(name), statusText(name)));
  }
  $("legend").append(el("li", {}, el("span", { className: "swatch overdue", "aria-hidden": "true" }),
    bilingual("obwódka: po terminie", "ring: overdue")));
}

fillLegend();
$("sign-in-form").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", () => signOut());
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
window.addEventListener("hashchange", () => { if (token) route(); });

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
