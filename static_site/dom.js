// Small DOM helpers. Every text, above all anything from the API or a feed, is set with
// textContent: never parsed as HTML.
import { language, tr } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

/** An element with attributes and children; `text` is set as text. */
export function el(tag, { text, className, ...attributes } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(...children);
  return element;
}

/** Replaces an element's content with a bilingual message; kind: "", "ok" or "error". */
export function say(element, pl, en, kind = "") {
  element.classList.remove("ok", "error");
  if (kind) element.classList.add(kind);
  element.replaceChildren(pl ? tr(pl, en ?? pl) : "");
}

export const swatchOf = (info) => {
  const swatch = el("span", { className: "swatch", "aria-hidden": "true", text: info.glyph });
  swatch.style.backgroundColor = info.colour;
  return swatch;
};

/** Formats in a language: dates of the feed (calendar days), instants (in Warsaw time), numbers. */
const LOCALES = { pl: "pl-PL", en: "en-GB" };

export function formatDay(isoDay, lang = language()) {
  if (!isoDay) return "—";
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(`${isoDay}T00:00:00Z`));
}

export function formatInstant(date, lang = language()) {
  const value = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(value.getTime())) return String(date ?? "—");
  return new Intl.DateTimeFormat(LOCALES[lang],
    { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Warsaw" }).format(value);
}

export function formatNumber(n, lang = language()) {
  return new Intl.NumberFormat(LOCALES[lang]).format(n);
}

/** Both languages' forms of a formatted value, for text that the language toggle switches. */
export const both = (format, value) => tr(format(value, "pl"), format(value, "en"));
