// @ts-check
// Small DOM helpers of the map and the officer panel. Every text, above all anything from the
// API or a feed, is set with textContent: never parsed as HTML.
import { language, text, tr } from "./i18n.js";

/**
 * The element with this id (the pages' own markup: it exists).
 * @param {string} id
 * @returns {any}
 */
export const $ = (id) => document.getElementById(id);

/**
 * An element with attributes and children; `text` is set as text, `lang` as the language.
 * @param {string} tag
 * @param {{text?: unknown, className?: string, lang?: string, [attribute: string]: unknown}} [options]
 * @param {...(Node|string)} children
 * @returns {any}
 */
export function el(tag, { text: content, className, lang, ...attributes } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (lang) element.lang = lang;
  if (content !== undefined && content !== null) element.textContent = String(content);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(...children);
  return element;
}

/**
 * Replaces an element's content with a bilingual message in the page's style (i18n.text);
 * kind: "", "ok" or "error".
 * @param {HTMLElement} element
 * @param {string|null|undefined} pl
 * @param {string|null} [en]
 * @param {""|"ok"|"error"} [kind]
 */
export function say(element, pl, en, kind = "") {
  element.classList.remove("ok", "error");
  if (kind) element.classList.add(kind);
  element.replaceChildren(pl ? text(pl, en ?? pl) : "");
}

/**
 * A status's colour swatch (and glyph), hidden from screen readers: the name says it.
 * @param {{colour: string, glyph?: string}} info
 */
export const swatchOf = (info) => {
  const swatch = el("span", { className: "swatch", "aria-hidden": "true", text: info.glyph });
  swatch.style.backgroundColor = info.colour;
  return swatch;
};

/** Formats in a language: dates of the feed (calendar days), instants (in Warsaw time), numbers. */
const LOCALES = { pl: "pl-PL", en: "en-GB" };

/**
 * @param {string|null|undefined} isoDay
 * @param {"pl"|"en"} [lang]
 */
export function formatDay(isoDay, lang = language()) {
  if (!isoDay) return "—";
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeZone: "UTC" })
    .format(new Date(`${isoDay}T00:00:00Z`));
}

/**
 * @param {Date|string|number} date
 * @param {"pl"|"en"} [lang]
 */
export function formatInstant(date, lang = language()) {
  const value = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(value.getTime())) return String(date ?? "—");
  return new Intl.DateTimeFormat(LOCALES[lang],
    { dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Warsaw" }).format(value);
}

/**
 * @param {number} n
 * @param {"pl"|"en"} [lang]
 */
export function formatNumber(n, lang = language()) {
  return new Intl.NumberFormat(LOCALES[lang]).format(n);
}

/**
 * Both languages' forms of a formatted value, for text that the language toggle switches.
 * @template T
 * @param {(value: T, lang: "pl"|"en") => string} format
 * @param {T} value
 */
export const both = (format, value) => tr(format(value, "pl"), format(value, "en"));
