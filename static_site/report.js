// @ts-check
// The citizen's report form: category, the pin on the map, when, description; before sending,
// the same category's public reports within 250 m are offered for confirming instead.
// The draft (with its Idempotency-Key) survives a lost connection and a reload of the tab.
// After a report is accepted the form closes and the receipt stands alone.
import { reportCard } from "./cards.js";
import { confirmReport } from "./confirm.js";
import { coordinateText, pointOf } from "./coordinates.js";
import * as plaintext from "./plaintext.js";
import { markOwn, rememberReceipt } from "./receipts.js";
import { api, errorOf, retryMoment } from "./shared/api.js";
import { CATEGORY_GROUPS, DAYS, OTHER_GROUP, TIMES_OF_DAY } from "./shared/catalog.js";
import { $, el, formatInstant, say } from "./shared/dom.js";
import { onLanguageChange, t, tr } from "./shared/i18n.js";
import { CLOSED_STATUSES } from "./shared/statuses.js";
import { NonexistentTime, warsawIso, warsawWallClock } from "./wallclock.js";

const MAX_DESCRIPTION = 500;
const DUPLICATE_RADIUS_M = 250;
const DRAFT_KEY = "kmzb.report.draft";
const PLACE_ERRORS = new Set(["outside_poland", "outside_deployment", "invalid_coordinates"]);
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Characters as the API counts them (plaintext.js = chalicelib/plaintext.py). */
export const descriptionLength = plaintext.length;

/**
 * Control characters other than line breaks and tabs, lone surrogates and bidi controls: the
 * server refuses them in a description (plaintext.js = chalicelib/plaintext.py), so the form does.
 */
export const hasForbiddenCharacters = (text) => plaintext.hasForbiddenCharacters(text, true);

/**
 * The draft's point once validate() found none of its place errors.
 * @param {{lat: unknown, lon: unknown}} draft
 * @returns {{lat: number, lon: number}}
 */
function validPoint(draft) {
  const point = pointOf(draft.lat, draft.lon);
  if (!point) throw new Error("the report's place was not validated");
  return point;
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The "Kiedy" field's value as the API takes it ({iso}), or the problem with it ({error: [pl,
 * en]}); {} when empty. Warsaw time, the offset in force then (wallclock.js).
 */
export function occurredAt(value) {
  if (!value) return {};
  let iso;
  try {
    iso = warsawIso(value);
  } catch (error) {
    if (error instanceof NonexistentTime) {
      return { error: ["Tej godziny nie ma w czasie polskim: tej nocy zegary przestawia się z 2:00 na 3:00. "
        + "Podaj godzinę przed 2:00 albo od 3:00.",
      "This time does not exist in Polish time: that night the clocks go forward from 2:00 to 3:00. "
        + "Give a time before 2:00 or from 3:00."] };
    }
    iso = null;
  }
  if (!iso) return { error: ["Podaj poprawną datę i godzinę.", "Give a valid date and time."] };
  if (new Date(iso).getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
    return { error: ["Data i godzina nie mogą być w przyszłości.", "The date and time cannot be in the future."] };
  }
  return { iso };
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
    $("receipt").hidden = true;
    $("browse").hidden = true;
    $("open-report").hidden = true;
    $("report-when").max = warsawWallClock();
    const point = pointOf($("report-lat").value, $("report-lon").value);
    if (point) this.mapView.setPin(point.lat, point.lon);
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
    $("report-when").addEventListener("change", () => this.checkWhen());
    $("receipt-close").addEventListener("click", () => this.closeReceipt());
    $("copy-tracking").addEventListener("click", () => this.copyTrackingLink());
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

  /** "Kiedy" checked as soon as it is left: a time the clocks skip is named at once. */
  checkWhen() {
    const field = $("report-when");
    const { error } = occurredAt(field.value);
    if (error) {
      field.setAttribute("aria-invalid", "true");
      say($("when-message"), error[0], error[1], "error");
    } else {
      field.removeAttribute("aria-invalid");
      say($("when-message"), "");
    }
  }

  /** Puts the pin at a point (a click on the map, the device's location, the map's centre). */
  placeAt(lat, lon, { pan = false } = {}) {
    const point = pointOf(lat, lon);
    if (!point) return;
    this.showPoint(point, { pan });
    this.saveDraft();
  }

  /** Typed coordinates: rounded once; the fields, the pin, the preview and the report agree. */
  coordinatesTyped() {
    const point = pointOf($("report-lat").value, $("report-lon").value);
    if (point) this.showPoint(point, { pan: true });
  }

  showPoint(point, { pan }) {
    $("report-lat").value = coordinateText(point.lat);
    $("report-lon").value = coordinateText(point.lon);
    for (const id of ["report-lat", "report-lon"]) $(id).removeAttribute("aria-invalid");
    this.mapView.setPin(point.lat, point.lon, { pan });
    this.locateUnit(point);
  }

  /** Names the unit the report would go to, for exactly the point that would be sent. */
  async locateUnit(point) {
    const request = ++this.locateRequest;
    const output = $("report-unit");
    const query = new URLSearchParams({ lat: String(point.lat), lon: String(point.lon) });
    const answer = await api(`/units/locate?${query}`);
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
    if (!pointOf(draft.lat, draft.lon)) {
      errors.push(["report-lat", "Wskaż miejsce na mapie albo wpisz poprawne współrzędne.",
        "Point at the place on the map or type valid coordinates."]);
    }
    const when = occurredAt(draft.when);
    if (when.error) errors.push(["report-when", ...when.error]);
    const length = descriptionLength(draft.description);
    if (length > MAX_DESCRIPTION) {
      errors.push(["report-description", `Opis ma ${length} znaków; dozwolone jest ${MAX_DESCRIPTION}.`,
        `The description has ${length} characters; ${MAX_DESCRIPTION} are allowed.`]);
    }
    if (hasForbiddenCharacters(plaintext.clean(draft.description))) {
      errors.push(["report-description", "Opis zawiera niedozwolone znaki sterujące (np. kierunkiem tekstu).",
        "The description contains control characters (e.g. bidi) that are not allowed."]);
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
    const { lat, lon } = validPoint(draft); // the previewed point, to the digit
    const body = { category: draft.category, lat, lon };
    if (!plaintext.isBlank(draft.description)) body.description = plaintext.clean(draft.description);
    if (draft.when) body.occurred_at = occurredAt(draft.when).iso;
    if (draft.timeOfDay) body.time_of_day = draft.timeOfDay;
    if (draft.days.length) body.days_of_week = draft.days;
    return body;
  }

  async submit() {
    const draft = this.read();
    const errors = this.validate(draft);
    this.showErrors(errors);
    if (errors.length) return;
    const point = validPoint(draft);
    const place = `${draft.category}|${point.lat}|${point.lon}`;
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
      const { lat, lon } = validPoint(draft);
      near = await this.engine.call("nearby", {
        lat, lon, category: draft.category,
        metres: DUPLICATE_RADIUS_M, excludeStatuses: [...CLOSED_STATUSES], limit: 5,
      });
      await markOwn(this.engine, near);
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
    // The typed report stays in the form (and in the tab's draft) until the user leaves: they
    // may still decide it is a different threat, or copy their description.
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
    say($("report-result"), "");
    say($("when-message"), "");
    this.showErrors([]);
    this.updateCounter();
  }

  async send() {
    const draft = this.read();
    const errors = this.validate(draft);
    this.showErrors(errors);
    if (errors.length) return;
    this.key = this.key || newKey(); // always: a retry after a lost answer is not a second report
    this.saveDraft();
    const result = $("report-result");
    const button = $("report-submit");
    button.disabled = true;
    $("send-anyway").disabled = true;
    say(result, "Wysyłanie…", "Sending…");
    const body = this.body(draft);
    const answer = await api("/reports", { method: "POST", body,
      headers: { "Idempotency-Key": this.key } });
    button.disabled = false;
    $("send-anyway").disabled = false;
    if (answer.status === 201) {
      this.accepted(answer.data, { lat: body.lat, lon: body.lon });
    } else {
      this.refused(answer);
      result.focus();
    }
  }

  /** The form closes; the receipt stands alone, with the tracking link to keep. */
  accepted(receipt, point) {
    rememberReceipt(receipt, point);
    this.reset();
    const id = String(receipt.id);
    const link = new URL(`?id=${encodeURIComponent(id)}&token=${encodeURIComponent(String(receipt.tracking_token))}`,
      location.href);
    link.hash = "";
    const unit = String(receipt.unit?.name ?? "");
    $("receipt-body").replaceChildren(
      el("p", {}, tr("Dziękujemy! Zgłoszenie zostało przyjęte.", "Thank you! The report has been accepted.")),
      el("p", {}, tr("Numer zgłoszenia: ", "Report number: "), el("strong", { className: "report-number", text: id })),
      unit ? el("p", {}, tr("Przekazano do: ", "Sent to: "), el("span", { className: "receipt-unit", text: unit })) : "",
      el("p", {}, el("a", { href: link.href, className: "tracking-link" },
        tr("Śledź status zgłoszenia", "Follow the report's status")),
      " ", tr("(zachowaj ten link: tylko z nim zobaczysz status)", "(keep this link: only with it can you see the status)")));
    $("tracking-url").value = link.href;
    say($("copy-result"), "");
    $("report").hidden = true;
    $("receipt").hidden = false;
    this.onToggle(false);
    $("receipt-heading").focus();
  }

  closeReceipt() {
    $("receipt").hidden = true;
    $("browse").hidden = false;
    $("open-report").hidden = false;
    $("open-report").focus();
  }

  async copyTrackingLink() {
    const field = $("tracking-url");
    const output = $("copy-result");
    try {
      await navigator.clipboard.writeText(field.value);
      say(output, "Skopiowano link do schowka.", "The link has been copied.", "ok");
    } catch {
      // No clipboard (permissions, an old browser): the link is selected for copying by hand.
      field.focus();
      field.select();
      say(output, "Nie udało się skopiować automatycznie: link jest zaznaczony, skopiuj go (Ctrl+C).",
        "Could not copy automatically: the link is selected, copy it (Ctrl+C).", "error");
    }
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
      // What the server counts: one report a day (Warsaw time) per network address (IPv6: per
      // /64 network), whatever the device or browser; a shared connection shares the limit.
      say(result, `Z Twojego adresu internetowego (IP) wysłano już dzisiaj zgłoszenie. Limit to jedno zgłoszenie dziennie `
        + `z jednego adresu IP (dla IPv6: z jednej sieci /64), bez względu na urządzenie — wspólne łącze, np. w domu, `
        + `pracy lub sieci komórkowej, ma wspólny limit. ${pl} W nagłych wypadkach dzwoń pod 112 lub 997.`,
      `A report has already been sent today from your internet (IP) address. The limit is one report a day per IP `
        + `address (for IPv6: per /64 network), whatever the device — a shared connection, e.g. at home, at work or `
        + `on a mobile network, shares the limit. ${en} In an emergency call 112 or 997.`, "error");
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
