// @ts-check
// Following one's own report: ?id=…&token=… (the link given after sending). The report's place
// is shown on the map (from the API's answer, else from this browser's kept receipt).
import { statusText } from "./cards.js";
import { coordinateText, pointOf } from "./coordinates.js";
import { receiptOf } from "./receipts.js";
import { api } from "./shared/api.js";
import { CategoryNames } from "./shared/catalog.js";
import { $, both, el, formatInstant, say, swatchOf } from "./shared/dom.js";
import { tr } from "./shared/i18n.js";
import { statusInfo } from "./shared/statuses.js";

const TRACKING_ZOOM = 17;

function fact(list, pl, en, ...value) {
  list.append(el("dt", {}, tr(pl, en)), el("dd", {}, ...value));
}

/**
 * Shows the tracking view when the address names a report; `names`: CategoryNames; `mapView`
 * (map-view.js) shows the report's place.
 * @param {CategoryNames} [names]
 * @param {import("./map-view.js").MapView|null} [mapView]
 */
export async function showTracking(names = new CategoryNames(), mapView = null) {
  const params = new URLSearchParams(location.search);
  const id = params.get("id");
  const token = params.get("token");
  if (!id || !token) return;
  const section = $("tracking");
  section.hidden = false;
  const details = $("tracking-details");
  const answer = await api(`/reports/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`);
  if (!answer.ok) {
    if (answer.network) say($("tracking-message"), "Brak połączenia z serwerem.", "No connection to the server.", "error");
    else say($("tracking-message"), "Nie znaleziono zgłoszenia. Sprawdź link.", "Report not found. Check the link.", "error");
    return;
  }
  const report = answer.data;
  const category = names.get(report.category);
  details.replaceChildren();
  fact(details, "Numer", "Number", String(report.id));
  fact(details, "Status", "Status", swatchOf(statusInfo(report.status)), statusText(report.status));
  fact(details, "Kategoria", "Category", tr(category.pl, category.en));
  fact(details, "Jednostka", "Unit", String(report.unit?.name ?? "—"));
  fact(details, "Przyjęto", "Received", both(formatInstant, report.created_at));
  fact(details, "Zmieniono", "Changed", both(formatInstant, report.modified_at));
  if (report.occurred_at) fact(details, "Kiedy wystąpiło", "Occurred", both(formatInstant, report.occurred_at));
  const kept = receiptOf(String(report.id));
  const point = pointOf(report.lat ?? kept?.lat ?? NaN, report.lon ?? kept?.lon ?? NaN);
  if (point) {
    fact(details, "Miejsce", "Place", `${coordinateText(point.lat)}, ${coordinateText(point.lon)}`,
      el("span", { className: "help" }, tr("(zaznaczone na mapie)", "(marked on the map)")));
    mapView?.showPlace(point.lat, point.lon, TRACKING_ZOOM);
  }
  $("tracking-heading").focus();
}
