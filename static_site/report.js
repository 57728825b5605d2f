// The citizen's report form: category, the pin on the map, when, description; before sending,
// the same category's public reports within 250 m are offered for confirming instead.
// The draft (with its Idempotency-Key) survives a lost connection and a reload of the tab.
import { api, errorOf, retryMoment } from "./api.js";
import { reportCard } from "./cards.js";
import { CATEGORY_GROUPS, CLOSED_STATUSES, DAYS, OTHER_GROUP, TIMES_OF_DAY } from "./catalog.js";
import { confirmReport } from "./confirm.js";
import { $, el, formatInstant, say } from "./dom.js";
import { onLanguageChange, t, tr } from "./i18n.js";

const MAX_DESCRIPTION = 500;
const DUPLICATE_RADIUS_M = 250;
const DRAFT_KEY = "kmzb.report.draft";
const PLACE_ERRORS = new Set(["outside_poland", "outside_deployment", "invalid_coordinates"]);
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Characters as the API counts them: code points of the NFC-normalised, trimmed text. */
export function descriptionLength(text) {
  return [...text.normalize("NFC").trim()].length;
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Minutes east of UTC in Warsaw at a wall-clock time there. */
function warsawOffset(year, month, day, hour, minute) {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Warsaw", hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(guess)).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute);
  return Math.round((wall - guess) / 60000);
}

/** "2026-05-01T18:30" read as Warsaw time → "2026-05-01T18:30:00+02:00". */
export function warsawIso(local) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const offset = warsawOffset(year, month, day, hour, minute);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n) => String(n).padStart(2, "0");
  return `${match[0]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Now as a datetime-local value in Warsaw (the field's maximum). */
function warsawNow() {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Warsaw", hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function parseCoordinate(value) {
  const text = String(value).trim().replace(",", ".");
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
}

export class ReportForm {
  constructor({ mapView, engine, names, categories, onToggle }) {
    this.mapView = mapView;
    this.engine = engine; // null while the feed is not loaded: no duplicate check then
    this.names = names;
    this.categories = categories.filter((c) => c.active !== false);
    this.onToggle = onToggle;
    this.key = null;
    this.offeredFor = null; // the draft whose nearby reports were offered
    this.locateRequest = 0;
    this.form = $("report-form");
    this.renderOptions();
    onLanguageChange(() => this.renderOptions());
    this.wire();
    this.restoreDraft();
  }

  get isOpen() {
    return !$("report").hidden;
  }

  open({ focus = true } = {}) {
    $("report").hidden = false;
    $("browse").hidden = true;
    $("open-report").hidden = true;
    $("report-when").max = warsawNow();
    const lat = parseCoordinate($("report-lat").value);
    const lon = parseCoordinate($("report-lon").value);
    if (Number.isFinite(lat) && Number.isFinite(lon)) this.mapView.setPin(lat, lon);
    this.onToggle(true);
    if (focus) $("report-heading").focus();
  }

  close() {
    $("report").hidden = true;
    $("browse").hidden = false;
    $("open-report").hidden = false;
    this.mapView.removePin();
    this.onToggle(false);
    $("open-report").focus();
  }

  // ---- the fields ---------------------------------------------------------------------

  renderOptions() {
    const select = $("report-category");
    const chosen = select.value;
    const byCode = new Map(this.categories.map((c) => [c.code, c]));
    const known = new Set(CATEGORY_GROUPS.flatMap((g) => g.codes));
    const groups = [...CATEGORY_GROUPS,
      { ...OTHER_GROUP, codes: this.categories.map((c) => c.code).filter((c) => !known.has(c)) }];
    const children = [el("option", { value: "", text: t("— wybierz kategorię —", "— choose a category —") })];
    for (const group of groups) {
      const members = group.codes.filter((code) => byCode.has(code));
      if (!members.length) continue;
      const optgroup = el("optgroup", { label: t(group.pl, group.en) });
      for (const code of members) {
        const { pl, en } = byCode.get(code);
        optgroup.append(el("option", { value: code, text: t(pl, en) }));
      }
      children.push(optgroup);
    }
    select.replaceChildren(...children);
    select.value = chosen;

    const time = $("report-time-of-day");
    const timeChosen = time.value;
    time.replaceChildren(el("option", { value: "", text: "—" }),
      ...TIMES_OF_DAY.map((x) => el("option", { value: x.code, text: t(x.pl, x.en) })));
    time.value = timeChosen;

    if (!$("report-days").children.length) {
      $("report-days").append(...DAYS.map((d) => {
        const input = el("input", { type: "checkbox", id: `day-${d.code}`, name: "days_of_week", value: d.code });
        return el("label", { for: `day-${d.code}` }, input, tr(d.pl, d.en));
      }));
    }
    this.updateCounter();
  }

  wire() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.form.addEventListener("input", () => this.saveDraft());
    this.form.addEventListener("change", () => this.saveDraft());
    $("report-description").addEventListener("input", () => this.updateCounter());
    for (const id of ["report-lat", "report-lon"]) {
      $(id).addEventListener("change", () => this.coordinatesTyped());
    }
    $("use-location").addEventListener("click", () => this.useLocation());
    $("use-centre").addEventListener("click", () => {
      const { lat, lon } = this.mapView.centre();
      this.placeAt(lat, lon);
    });
    $("send-anyway").addEventListener("click", () => this.send());
    $("report-cancel").addEventListener("click", () => this.close());
  }

  updateCounter() {
    const length = descriptionLength($("report-description").value);
    const counter = $("description-counter");
    counter.classList.toggle("over", length > MAX_DESCRIPTION);
    counter.replaceChildren(tr(`${length} / ${MAX_DESCRIPTION} znaków`, `${length} / ${MAX_DESCRIPTION} characters`));
    // Screen readers hear the count only near the limit, not at every key.
    const left = MAX_DESCRIPTION - length;
    const limit = $("description-limit");
    if (left < 0) say(limit, `Za dużo o ${-left} znaków.`, `${-left} characters too many.`);
    else if (left <= 50 && left % 10 === 0) say(limit, `Zostało ${left} znaków.`, `${left} characters left.`);
    else if (left > 50) say(limit, "");
  }

  /** Puts the pin at a point (a click on the map, the device's location, the map's centre). */
  placeAt(lat, lon, { pan = false } = {}) {
    $("report-lat").value = lat.toFixed(6);
    $("report-lon").value = lon.toFixed(6);
    for (const id of ["report-lat", "report-lon"]) $(id).removeAttribute("aria-invalid");
    this.mapView.setPin(lat, lon, { pan });
    this.saveDraft();
    this.locateUnit(lat, lon);
  }

  coordinatesTyped() {
    const lat = parseCoordinate($("report-lat").value);
    const lon = parseCoordinate($("report-lon").value);
    if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      this.mapView.setPin(lat, lon, { pan: true });
      this.locateUnit(lat, lon);
    }
  }

  async locateUnit(lat, lon) {
    const request = ++this.locateRequest;
    const output = $("report-unit");
    const answer = await api(`/units/locate?lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}`);
    if (request !== this.locateRequest) return; // the pin has moved on
    if (answer.ok && answer.data?.unit?.name) {
      const name = String(answer.data.unit.name);
      say(output, `Zgłoszenie trafi do: ${name}`, `The report goes to: ${name}`, "ok");
    } else if (!answer.network) {
      const error = errorOf(answer);
      say(output, error.pl, error.en, "error");
    } else {
      say(output, "");
    }
  }

  useLocation() {
    const output = $("report-unit");
    if (!navigator.geolocation) {
      say(output, "Ta przeglądarka nie udostępnia lokalizacji.", "This browser does not share its location.", "error");
      return;
    }
    say(output, "Ustalanie lokalizacji…", "Finding your location…");
    navigator.geolocation.getCurrentPosition(
      (position) => this.placeAt(position.coords.latitude, position.coords.longitude, { pan: true }),
      () => say(output, "Nie udało się ustalić lokalizacji. Wskaż miejsce na mapie.",
        "Your location is not available. Point at the place on the map.", "error"),
      { enableHighAccuracy: true, timeout: 15000 });
  }

  // ---- the draft ------------------------------------------------------------------------

  read() {
    const description = $("report-description").value;
    return {
      category: $("report-category").value,
      lat: $("report-lat").value,
      lon: $("report-lon").value,
      when: $("report-when").value,
      timeOfDay: $("report-time-of-day").value,
      days: [...this.form.querySelectorAll('input[name="days_of_week"]:checked')].map((i) => i.value),
      description,
    };
  }

  saveDraft() {
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ ...this.read(), key: this.key }));
    } catch {
      // storage disabled: the draft lives in the form only
    }
  }

  clearDraft() {
    try {
      sessionStorage.removeItem(DRAFT_KEY);
    } catch {
      // nothing kept
    }
  }

  restoreDraft() {
    let draft;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch {
      draft = null;
    }
    if (!draft) return;
    $("report-category").value = draft.category || "";
    $("report-lat").value = draft.lat || "";
    $("report-lon").value = draft.lon || "";
    $("report-when").value = draft.when || "";
    $("report-time-of-day").value = draft.timeOfDay || "";
    for (const input of this.form.querySelectorAll('input[name="days_of_week"]')) {
      input.checked = (draft.days || []).includes(input.value);
    }
    $("report-description").value = draft.description || "";
    this.key = draft.key || null;
    this.updateCounter();
    if (this.key) {
      say($("report-result"), "Przywrócono niewysłane zgłoszenie. Możesz je wysłać ponownie.",
        "Your unsent report has been restored. You can send it again.");
    }
  }

  // ---- checking and sending -----------------------------------------------------------------

  validate(draft) {
    const errors = [];
    if (!draft.category) errors.push(["report-category", "Wybierz kategorię.", "Choose a category."]);
    const lat = parseCoordinate(draft.lat);
    const lon = parseCoordinate(draft.lon);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      errors.push(["report-lat", "Wskaż miejsce na mapie albo wpisz poprawne współrzędne.",
        "Point at the place on the map or type valid coordinates."]);
    }
    if (draft.when) {
      const iso = warsawIso(draft.when);
      if (!iso) errors.push(["report-when", "Podaj poprawną datę i godzinę.", "Give a valid date and time."]);
      else if (new Date(iso).getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
        errors.push(["report-when", "Data i godzina nie mogą być w przyszłości.",
          "The date and time cannot be in the future."]);
      }
    }
    const length = descriptionLength(draft.description);
    if (length > MAX_DESCRIPTION) {
      errors.push(["report-description", `Opis ma ${length} znaków; dozwolone jest ${MAX_DESCRIPTION}.`,
        `The description has ${length} characters; ${MAX_DESCRIPTION} are allowed.`]);
    }
    return errors;
  }

  showErrors(errors) {
    const summary = $("report-errors");
    for (const id of ["report-category", "report-lat", "report-lon", "report-when", "report-description"]) {
      $(id).removeAttribute("aria-invalid");
    }
    if (!errors.length) {
      summary.hidden = true;
      summary.replaceChildren();
      return;
    }
    const list = el("ul");
    for (const [id, pl, en] of errors) {
      $(id).setAttribute("aria-invalid", "true");
      if (id === "report-lat") $("report-lon").setAttribute("aria-invalid", "true");
      const link = el("a", { href: `#${id}` }, tr(pl, en));
      link.addEventListener("click", (event) => {
        event.preventDefault();
        $(id).focus();
      });
      list.append(el("li", {}, link));
    }
    summary.replaceChildren(el("p", {}, tr("Popraw zgłoszenie:", "Please correct the report:")), list);
    summary.hidden = false;
    summary.focus();
  }

  body(draft) {
    const body = { category: draft.category, lat: parseCoordinate(draft.lat), lon: parseCoordinate(draft.lon) };
    if (draft.description.trim()) body.description = draft.description;
    if (draft.when) body.occurred_at = warsawIso(draft.when);
    if (draft.timeOfDay) body.time_of_day = draft.timeOfDay;
    if (draft.days.length) body.days_of_week = draft.days;
    return body;
  }

  async submit() {
    const draft = this.read();
    const errors = this.validate(draft);
    this.showErrors(errors);
    if (errors.length) return;
    const place = `${draft.category}|${draft.lat}|${draft.lon}`;
    if (this.offeredFor !== place && (await this.offerDuplicates(draft))) {
      this.offeredFor = place;
      return;
    }
    await this.send();
  }

  /** Shows the same category's open reports within 250 m; true when there are any. */
  async offerDuplicates(draft) {
    const section = $("duplicates");
    if (!this.engine) return false;
    let near = [];
    try {
      near = await this.engine.call("nearby", {
        lat: parseCoordinate(draft.lat), lon: parseCoordinate(draft.lon), category: draft.category,
        metres: DUPLICATE_RADIUS_M, excludeStatuses: [...CLOSED_STATUSES], limit: 5,
      });
    } catch {
      return false; // no feed: nothing to offer
    }
    if (!near.length) {
      section.hidden = true;
      return false;
    }
    $("duplicate-list").replaceChildren(...near.map((detail) => el("li", {},
      reportCard(detail, this.names, { headingLevel: 4,
        onConfirm: (d, controls) => this.confirmInstead(d, controls) }))));
    section.hidden = false;
    $("duplicates-heading").focus();
    return true;
  }

  async confirmInstead(detail, controls) {
    const count = await confirmReport(this.engine, detail.ref, controls);
    if (count === null) return;
    this.reset();
    const counted = Number.isFinite(count) ? count : "?";
    say($("report-result"),
      `Zamiast nowego zgłoszenia potwierdzono istniejące (potwierdzeń: ${counted}). Dziękujemy!`,
      `You confirmed an existing report instead of sending a new one (confirmations: ${counted}). Thank you!`,
      "ok");
    $("report-result").focus();
  }

  reset() {
    this.form.reset();
    this.key = null;
    this.offeredFor = null;
    this.clearDraft();
    this.mapView.removePin();
    $("duplicates").hidden = true;
    $("duplicate-list").replaceChildren();
    say($("report-unit"), "");
    this.showErrors([]);
    this.updateCounter();
  }

  async send() {
    const draft = this.read();
    const errors = this.validate(draft);
    this.showErrors(errors);
    if (errors.length) return;
    this.key = this.key || newKey();
    this.saveDraft();
    const result = $("report-result");
    const button = $("report-submit");
    button.disabled = true;
    $("send-anyway").disabled = true;
    say(result, "Wysyłanie…", "Sending…");
    const answer = await api("/reports", { method: "POST", body: this.body(draft),
      headers: { "Idempotency-Key": this.key } });
    button.disabled = false;
    $("send-anyway").disabled = false;
    if (answer.status === 201) this.accepted(answer.data);
    else this.refused(answer);
    result.focus();
  }

  accepted(receipt) {
    this.reset();
    const id = String(receipt.id);
    const link = `?id=${encodeURIComponent(id)}&token=${encodeURIComponent(String(receipt.tracking_token))}`;
    const unit = String(receipt.unit?.name ?? "");
    const result = $("report-result");
    say(result, "", "", "ok");
    result.append(el("div", { className: "receipt" },
      el("p", {}, tr("Dziękujemy! Zgłoszenie zostało przyjęte.", "Thank you! The report has been accepted.")),
      el("p", {}, tr("Numer zgłoszenia: ", "Report number: "), el("strong", { className: "report-number", text: id })),
      unit ? el("p", {}, tr("Przekazano do: ", "Sent to: "), unit) : "",
      el("p", {}, el("a", { href: link, className: "tracking-link" },
        tr("Śledź status zgłoszenia", "Follow the report's status")),
      " ", tr("(zachowaj ten link)", "(keep this link)")),
      el("p", { className: "help" }, tr("Zgłoszenie pojawi się na mapie po najbliższej aktualizacji danych.",
        "The report will appear on the map after the next data update."))));
  }

  refused(answer) {
    const result = $("report-result");
    const error = errorOf(answer);
    if (answer.network) {
      say(result, "Brak połączenia — zgłoszenie nie zostało wysłane. Szkic jest zachowany: wyślij go ponownie, gdy wróci połączenie.",
        "No connection — the report was not sent. Your draft is kept: send it again when you are back online.", "error");
      return; // the same Idempotency-Key goes with the retry
    }
    if (answer.status === 429) {
      const when = retryMoment(answer);
      const pl = when ? `Kolejne zgłoszenie możesz wysłać od ${formatInstant(when, "pl")}.` : "";
      const en = when ? `You can send another report from ${formatInstant(when, "en")}.` : "";
      say(result, `Z tego urządzenia wysłano już dzisiaj zgłoszenie. ${pl} W nagłych wypadkach dzwoń pod 112 lub 997.`,
        `A report has already been sent from this device today. ${en} In an emergency call 112 or 997.`, "error");
      return;
    }
    if (answer.status === 503) {
      const when = retryMoment(answer);
      say(result, `${error.pl} Szkic jest zachowany — spróbuj ponownie${when ? ` po ${formatInstant(when, "pl")}` : " za chwilę"}.`,
        `${error.en} Your draft is kept — try again${when ? ` after ${formatInstant(when, "en")}` : " in a moment"}.`, "error");
      return;
    }
    if (error.code === "idempotency_key_reused") this.key = null; // the next send is a new report
    if (PLACE_ERRORS.has(error.code)) {
      $("report-lat").setAttribute("aria-invalid", "true");
      $("report-lon").setAttribute("aria-invalid", "true");
    }
    say(result, error.pl, error.en, "error");
  }
}
