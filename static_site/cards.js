// @ts-check
// A public report as a card: the map's popup, the list of nearby duplicates.
// Every value from the feed or the API is set as text.
import { DAYS, TIMES_OF_DAY } from "./shared/catalog.js";
import { both, el, formatDay, formatNumber, swatchOf } from "./shared/dom.js";
import { otherLanguage, tr } from "./shared/i18n.js";
import { CLOSED_STATUSES, statusInfo } from "./shared/statuses.js";

export function statusText(name) {
  const info = statusInfo(name);
  return tr(info.name, info.en);
}

function fact(list, pl, en, ...value) {
  list.append(el("dt", {}, tr(pl, en)), el("dd", {}, ...value));
}

export function daysText(bits) {
  const days = DAYS.filter((d) => bits & d.bit);
  if (!days.length) return "—";
  return tr(days.map((d) => d.shortPl).join(", "), days.map((d) => d.shortEn).join(", "));
}

export function timeOfDayText(code) {
  const time = TIMES_OF_DAY.find((x) => x.code === code);
  return time ? tr(time.pl, time.en) : code || "—";
}

/**
 * Whether "Potwierdzam" is offered: not on a closed report, nor on one sent from this browser
 * (`detail.own`, receipts.markOwn).
 */
export function confirmable(detail) {
  return !CLOSED_STATUSES.has(detail.status) && !detail.own;
}

/**
 * A report's card. `onConfirm(detail, {button, output, count})` is called by its "Potwierdzam"
 * button, shown only when the report is `confirmable`; `headingLevel` fits where the card is
 * shown; `distance` (metres) is shown when given.
 * @param {any} detail
 * @param {import("./shared/catalog.js").CategoryNames} names
 * @param {{onConfirm?: null | ((detail: any, parts: {button: HTMLButtonElement, output: HTMLElement,
 *   count: HTMLElement}) => unknown), headingLevel?: number}} [options]
 */
export function reportCard(detail, names, { onConfirm, headingLevel = 3 } = {}) {
  const category = names.get(detail.category);
  const card = el("article", { className: "report-card", "data-index": detail.index });
  const heading = el(`h${headingLevel}`, { tabindex: "-1" }, tr(category.pl, category.en));
  const other = el("p", { className: "other-name" }, otherLanguage(category.pl, category.en));
  const facts = el("dl", { className: "facts" });
  const info = statusInfo(detail.status);
  fact(facts, "Status", "Status", swatchOf(info), statusText(detail.status));
  if (detail.distance !== undefined) {
    fact(facts, "Odległość", "Distance", `${Math.round(detail.distance)} m`);
  }
  fact(facts, "Zgłoszono", "Reported", both(formatDay, detail.created));
  fact(facts, "Zmieniono", "Changed", both(formatDay, detail.modified));
  fact(facts, "Kiedy wystąpiło", "Occurred", both(formatDay, detail.occurred));
  fact(facts, "Pora dnia", "Time of day", timeOfDayText(detail.timeOfDay));
  fact(facts, "Dni tygodnia", "Days of the week", daysText(detail.days));
  const count = el("span", { className: "confirmations" }, both(formatNumber, detail.confirmations));
  fact(facts, "Potwierdzenia", "Confirmations", count);
  card.append(heading, other, facts);
  if (detail.own) {
    card.append(el("p", { className: "own-report" }, tr("To zgłoszenie wysłano z tej przeglądarki.",
      "This report was sent from this browser.")));
  } else if (onConfirm && CLOSED_STATUSES.has(detail.status)) {
    card.append(el("p", { className: "help closed-report" }, tr("Sprawa jest zamknięta: potwierdzenia nie są już zbierane.",
      "The case is closed: confirmations are no longer collected.")));
  }
  if (onConfirm && confirmable(detail)) {
    const output = el("p", { className: "confirm-result", role: "status" });
    const button = el("button", { type: "button", className: "confirm" },
      tr("Potwierdzam", "I confirm"));
    button.addEventListener("click", () => onConfirm(detail, { button, output, count }));
    card.append(button, output);
  }
  return card;
}
