// Following one's own report: ?id=…&token=… (the link given after sending).
import { api } from "./api.js";
import { CategoryNames, statusText } from "./cards.js";
import { statusInfo } from "./catalog.js";
import { $, both, el, formatInstant, say, swatchOf } from "./dom.js";
import { tr } from "./i18n.js";

function fact(list, pl, en, ...value) {
  list.append(el("dt", {}, tr(pl, en)), el("dd", {}, ...value));
}

/** Shows the tracking view when the address names a report; `names`: CategoryNames. */
export async function showTracking(names = new CategoryNames()) {
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
  $("tracking-heading").focus();
}
