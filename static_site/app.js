// @ts-check
// The public map: wiring of the feed (engine, in a worker), the map, the filters, the legend,
// the list of reports in view, popups, the report form and the tracking view.
import { reportCard, statusText } from "./cards.js";
import { confirmReport } from "./confirm.js";
import { createEngine } from "./engine-client.js";
import { ITEM_STRIDE } from "./items.js";
import { Filters } from "./filters.js";
import { MapView, tilesOf } from "./map-view.js";
import { markOwn } from "./receipts.js";
import { ReportForm } from "./report.js";
import { api, setApiBase } from "./shared/api.js";
import { CategoryNames, loadCategories } from "./shared/catalog.js";
import { $, both, el, formatNumber, say, swatchOf } from "./shared/dom.js";
import { initLanguage, language, onLanguageChange, setLanguage, tr } from "./shared/i18n.js";
import { STATUSES, loadStatuses, statusInfo, statusKeys } from "./shared/statuses.js";
import { readState, writeState } from "./state.js";
import { showTracking } from "./tracking.js";

const DEFAULT_MANIFEST = "/feeds/manifest.json";
const REFRESH_MS = 60_000; // the manifest's max-age
const LIST_LIMIT = 30; // the list of reports in view names at most this many symbols
const FILTER_DELAY_MS = 150;
const POPUP_PAGE = 10; // reports a popup shows at once; "Pokaż kolejne" shows the next ones

const root = document.documentElement;
let reporting = true;
let manifest = new URL(DEFAULT_MANIFEST, location.origin).href;
let engine = null;
let summary = null; // the engine's answer to the last load or filter
let mapView = null;
let filters = null;
let report = null;
let names = new CategoryNames();
let drawRequest = 0;
let drawn = 0; // the generation of the index the drawn items come from
let firstDraw = true;
let returnFocusKey = null;
let filterPending = false; // the filters changed while the feed was loading

// ---- words -----------------------------------------------------------------------------------

function reports(n, lang) {
  if (lang === "en") return `${formatNumber(n, "en")} ${n === 1 ? "report" : "reports"}`;
  const form = { one: "zgłoszenie", few: "zgłoszenia", many: "zgłoszeń" }[new Intl.PluralRules("pl").select(n)];
  return `${formatNumber(n, "pl")} ${form || "zgłoszenia"}`;
}
const reportsText = (n) => tr(reports(n, "pl"), reports(n, "en"));

// ---- start -----------------------------------------------------------------------------------

async function loadJson(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The engine's filter from the address's state (slugs → status codes). */
function filterOf(state) {
  return {
    statuses: state.statuses && statusKeys(state.statuses),
    categories: state.categories, from: state.from, to: state.to,
  };
}

async function startFeed(state, configPromise) {
  root.dataset.mapState = "loading";
  const [started, config] = await Promise.all([createEngine(), configPromise]);
  engine = started;
  if (typeof config?.manifest === "string") manifest = new URL(config.manifest, location.href).href;
  await engine.call("applyFilter", filterOf(state));
  return engine.call("load", manifest);
}

async function main() {
  initLanguage();
  renderLanguageButton();
  onLanguageChange(renderLanguageButton);
  $("language").addEventListener("click", () => setLanguage(language() === "pl" ? "en" : "pl"));
  setHeaderHeight();
  window.addEventListener("resize", setHeaderHeight);

  performance.mark("kmzb:start");
  const state = readState();
  const configPromise = loadJson("/config.json");
  const feed = startFeed(state, configPromise); // at once: the feed is the slowest part
  const config = await configPromise;
  setApiBase(config?.api);
  // The national map has no API to take reports: they are made on the garrison's map.
  reporting = config?.reporting !== false;
  $("open-report").hidden = !reporting;
  const catalogue = loadCategories(api);
  mapView = new MapView({
    tiles: tilesOf(config), view: state.view, styleOf, onMove: moved, onClick: clicked,
    onPinMove: (lat, lon) => report?.placeAt(lat, lon),
  });
  renderLegend();
  // Names and colours from GET /v1/statuses (the built-in copy until then, or without an API).
  loadStatuses(api).then((loaded) => loaded && renderLegend(), () => {});
  window.addEventListener("hashchange", followAddress);
  say($("map-status"), "Wczytywanie danych mapy…", "Loading the map's data…");
  // The clusters need no API call: the forms (category names) and the feed go side by side.
  await Promise.all([startForms(catalogue, state), showFeed(feed)]);
}

async function startForms(catalogue, state) {
  const list = await catalogue;
  const categories = list.map((c) => ({ ...c, pl: c.name_pl, en: c.name_en }));
  names = new CategoryNames(list);
  filters = new Filters(categories.filter((c) => c.public_visibility !== "never"), filtersChanged);
  filters.setState(state);
  report = new ReportForm({ mapView, engine: summary ? engine : null, names, categories,
    onToggle: () => {
      mapView.closePopup();
      remember();
    } });
  $("open-report").addEventListener("click", () => report.open());
  if (state.report && reporting) report.open({ focus: false });
  showTracking(names, mapView);
  if (summary) await draw(); // the list of reports in view, now with category names
}

async function showFeed(feed) {
  try {
    summary = await feed;
  } catch (error) {
    console.error(error);
    root.dataset.mapState = "error";
    say($("map-status"), "Nie udało się wczytać danych mapy. Spróbuj odświeżyć stronę.",
      "The map's data could not be loaded. Try reloading the page.", "error");
    return;
  }
  performance.mark("kmzb:feed-loaded");
  if (report) report.engine = engine;
  announceLoad(summary);
  if (filterPending) await applyFilter();
  else await draw();
  setInterval(refresh, REFRESH_MS);
}

function setHeaderHeight() {
  root.style.setProperty("--header-height", `${/** @type {HTMLElement} */ (document.querySelector(".site-header")).offsetHeight}px`);
}

function renderLanguageButton() {
  const button = $("language");
  const english = language() === "pl";
  button.replaceChildren(el("span", { lang: english ? "en" : "pl", className: "both",
    text: english ? "English" : "Polski" }));
  document.title = language() === "pl" ? "Krajowa Mapa Zagrożeń Bezpieczeństwa" : "National Threat Map (Poland)";
}

function announceLoad(result) {
  const failed = result.failures.map((f) => f.garrison).join(", ");
  root.dataset.mapState = "ready";
  root.dataset.feedGenerated = result.generatedAt || "";
  root.dataset.feedCount = String(result.total);
  if (failed) {
    say($("map-status"), `Na mapie: ${reports(result.total, "pl")}. Nie udało się wczytać danych: ${failed}.`,
      `On the map: ${reports(result.total, "en")}. Could not load the data of: ${failed}.`, "error");
  } else {
    say($("map-status"), `Na mapie: ${reports(result.shown, "pl")}.`, `On the map: ${reports(result.shown, "en")}.`);
  }
}

async function refresh() {
  try {
    const result = await engine.call("load", manifest, { fresh: true });
    if (!result.changed) return;
    summary = result;
    announceLoad(result);
    await draw();
  } catch (error) {
    console.warn("The feed could not be refreshed:", error);
  }
}

// ---- the address -----------------------------------------------------------------------------

function remember() {
  if (!filters) return; // not yet: the address still says what the page was opened with
  writeState({ view: mapView.view, ...filters.toState(), report: report?.isOpen });
}

function followAddress() {
  if (!filters) return;
  const state = readState();
  filters.setState(state);
  if (state.view) mapView.setView(state.view);
  if (state.report && !report.isOpen) report.open();
  if (!state.report && report.isOpen) report.close();
  applyFilter();
}

// ---- drawing ---------------------------------------------------------------------------------

function styleOf(statusIndex) {
  return statusInfo(summary?.statuses[statusIndex]);
}

function moved() {
  remember();
  draw();
}

async function draw() {
  if (!summary) return;
  const request = ++drawRequest;
  const answer = await engine.call("query", mapView.queryArgs());
  if (request !== drawRequest) return; // the map has moved on
  mapView.setItems(answer.items);
  drawn = answer.generation;
  const symbols = answer.items.length / ITEM_STRIDE;
  let clusters = 0;
  for (let o = 2; o < answer.items.length; o += ITEM_STRIDE) if (answer.items[o] > 1) clusters++;
  const container = $("map");
  container.dataset.symbols = String(symbols);
  container.dataset.clusters = String(clusters);
  renderCounts(answer);
  renderVisibleList(answer.items);
  if (firstDraw) {
    firstDraw = false;
    performance.mark("kmzb:first-clusters");
    performance.measure("kmzb:time-to-first-clusters", "kmzb:start", "kmzb:first-clusters");
  }
}

function renderLegend() {
  const items = STATUSES.map((status) => {
    const note = status.notePl ? el("span", { className: "note" }, tr(status.notePl, status.noteEn)) : "";
    return el("li", { "data-status": status.slug }, swatchOf(status),
      el("span", {}, tr(status.name, status.en), note), el("span", { className: "count", text: "–" }));
  });
  items.push(el("li", {}, el("span", { className: "swatch cluster", "aria-hidden": "true", text: "12" }),
    el("span", {}, tr("Skupisko zgłoszeń (liczba) — kliknij, aby przybliżyć",
      "A cluster of reports (how many) — click to zoom in")), el("span")));
  $("legend").replaceChildren(...items);
  if (lastCounts) renderCounts(lastCounts);
}

let lastCounts = null;

function renderCounts({ counts, total }) {
  lastCounts = { counts, total };
  // The feed's dictionary holds codes (a feed built before release 2: Polish names).
  const byKey = new Map(summary.statuses.map((key, i) => [key, counts[i] || 0]));
  for (const status of STATUSES) {
    const count = $("legend").querySelector(`li[data-status="${status.slug}"] .count`);
    count.replaceChildren(both(formatNumber, byKey.get(status.code) ?? byKey.get(status.name) ?? 0));
  }
  $("view-total").replaceChildren(tr("W widoku: ", "In view: "), el("strong", {}, reportsText(total)));
}

function itemKey(item) {
  return item.count > 1 ? `c${item.id}` : `r${item.id}`;
}

function renderVisibleList(items) {
  const list = $("visible-list");
  const hadFocus = list.contains(document.activeElement);
  // A redraw keeps the reader on the item they were on, when it is still listed.
  const focusedKey = hadFocus ? document.activeElement?.getAttribute("data-key") : null;
  const symbols = items.length / ITEM_STRIDE;
  const bounds = mapView.map.getBounds();
  const visible = [];
  for (let o = 0; o < items.length; o += ITEM_STRIDE) {
    if (bounds.contains([items[o], items[o + 1]])) visible.push(o);
  }
  if (!symbols || visible.length > LIST_LIMIT || !visible.length) {
    list.replaceChildren();
    if (!visible.length) say($("visible-hint"), "Brak zgłoszeń w tym widoku.", "No reports in this view.");
    else say($("visible-hint"), "Przybliż mapę, aby zobaczyć listę zgłoszeń.", "Zoom in to see a list of the reports.");
    if (hadFocus) $("visible-heading").focus();
    return;
  }
  say($("visible-hint"), "");
  list.replaceChildren(...visible.map((offset) => {
    const item = mapView.itemAt(offset);
    const button = el("button", { type: "button", "data-key": itemKey(item) });
    if (item.count > 1) {
      button.append(el("span", { className: "swatch cluster", "aria-hidden": "true" }),
        tr(`Skupisko: ${reports(item.count, "pl")} — przybliż`, `Cluster: ${reports(item.count, "en")} — zoom in`));
    } else {
      const status = styleOf(item.status);
      const category = names.get(summary.categories[item.category]);
      button.append(swatchOf(status), el("span", {}, tr(category.pl, category.en), " — ", statusText(status.name)));
    }
    button.addEventListener("click", () => {
      returnFocusKey = itemKey(item);
      openItems([offset], { fromList: true });
    });
    return el("li", {}, button);
  }));
  if (hadFocus) {
    const same = focusedKey ? list.querySelector(`button[data-key="${CSS.escape(focusedKey)}"]`) : null;
    (same || list.querySelector("button") || $("visible-heading")).focus();
  }
}

// ---- clicks and popups -----------------------------------------------------------------------

function clicked(latlng, hits) {
  if (report?.isOpen) {
    report.placeAt(latlng.lat, latlng.lng);
    return;
  }
  if (hits.length) {
    returnFocusKey = null;
    openItems(hits);
  }
}

async function openItems(offsets, { fromList = false } = {}) {
  const items = offsets.map((o) => mapView.itemAt(o));
  const cluster = items.find((item) => item.count > 1);
  if (cluster) {
    const zoom = await engine.call("expansionZoom", cluster.id, drawn);
    if (zoom === null) return; // filtered or reloaded meanwhile: the new drawing is coming
    if (zoom <= mapView.map.getMaxZoom()) {
      mapView.zoomTo(cluster.lat, cluster.lon, zoom);
      if (fromList) $("visible-heading").focus();
      return;
    }
    // All in one spot: the popup names the true count and pages through every report.
    const { id } = cluster;
    return showReports(cluster, cluster.count,
      (offset, limit, generation) => engine.call("leaves", id, generation, limit, offset));
  }
  const indexes = items.map((item) => item.id);
  return showReports(items[0], indexes.length,
    async (offset, limit) => indexes.slice(offset, offset + limit));
}

/**
 * A popup for `total` reports at one place; `page(offset, limit, generation)` answers report
 * indexes. One report is a card; more are a list with their true count, POPUP_PAGE at a time.
 */
async function showReports(at, total, page) {
  const generation = drawn;
  const onConfirm = reporting
    ? (detail, controls) => confirmReport(engine, detail.ref, controls) : null;
  const load = async (offset) => {
    const indexes = await page(offset, POPUP_PAGE, generation);
    const details = await engine.call("details", indexes, generation);
    return markOwn(engine, details);
  };
  const first = await load(0);
  if (!first.length) return;
  if (total === 1) {
    const content = reportCard(first[0], names, { onConfirm, headingLevel: 2 });
    mapView.openPopup(at.lat, at.lon, content, { onClose: restoreFocus });
    return;
  }
  const headingId = `popup-heading-${generation}-${Date.now()}`;
  const heading = el("h2", { tabindex: "-1", className: "popup-heading", id: headingId },
    tr(`${reports(total, "pl")} w tym miejscu`, `${reports(total, "en")} at this place`));
  const list = el("ul", { className: "report-cards", tabindex: "0", "aria-labelledby": headingId });
  const shown = el("p", { className: "help popup-shown", role: "status", tabindex: "-1" });
  const more = el("button", { type: "button", className: "popup-more" });
  let count = 0;
  const append = (details) => {
    const cards = details.map((d) => reportCard(d, names, { onConfirm, headingLevel: 3 }));
    list.append(...cards.map((card) => el("li", {}, card)));
    count += details.length;
    const next = Math.min(POPUP_PAGE, total - count);
    shown.replaceChildren(tr(`Pokazano ${formatNumber(count, "pl")} z ${formatNumber(total, "pl")}.`,
      `Showing ${formatNumber(count, "en")} of ${formatNumber(total, "en")}.`));
    more.replaceChildren(tr(`Pokaż kolejne (${next})`, `Show the next ${next}`));
    more.hidden = count >= total || !details.length;
    return cards;
  };
  append(first);
  more.addEventListener("click", async () => {
    more.disabled = true;
    const details = await load(count);
    more.disabled = false;
    if (!details.length) { // the feed was reloaded or filtered meanwhile
      more.hidden = true;
      say(shown, "Dane mapy zmieniły się. Kliknij to miejsce ponownie.",
        "The map's data has changed. Click the place again.");
      shown.focus();
      return;
    }
    const cards = append(details);
    cards[0].querySelector("h3")?.focus(); // the first of the new ones
  });
  const content = el("div", { className: "popup-list" }, heading, shown, list, more);
  mapView.openPopup(at.lat, at.lon, content, { onClose: restoreFocus });
}

function restoreFocus() {
  if (!returnFocusKey) return;
  const key = returnFocusKey;
  returnFocusKey = null;
  const button = $("visible-list").querySelector(`button[data-key="${CSS.escape(key)}"]`);
  (button || $("visible-heading")).focus();
}

// ---- filters ---------------------------------------------------------------------------------

let filterTimer = null;

function filtersChanged() {
  remember();
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, FILTER_DELAY_MS);
}

async function applyFilter() {
  if (!summary) {
    filterPending = true; // applied once the feed is loaded
    return;
  }
  filterPending = false;
  if (!filters) return;
  const result = await engine.call("applyFilter", filters.toFilter());
  summary = { ...summary, ...result };
  say($("map-status"), `Pokazano ${reports(result.shown, "pl")} z ${formatNumber(result.total, "pl")}.`,
    `Showing ${reports(result.shown, "en")} of ${formatNumber(result.total, "en")}.`);
  mapView.closePopup();
  await draw();
}

$("visible-heading").tabIndex = -1;
main();
