// @ts-check
// What the panel shows for the API's values: roles, actions, sources, times and dates.
// Statuses, categories, times of day and days of the week: ../shared/.
import { bilingual } from "../shared/i18n.js";
import { statusInfo } from "../shared/statuses.js";
import { warsawWallClock } from "../wallclock.js";

/** @type {Record<string, [string, string]>} */
export const ROLES = { officer: ["funkcjonariusz", "officer"],
  coordinator: ["koordynator", "coordinator"], admin: ["administrator", "administrator"] };
/** @type {Record<string, [string, string]>} */
export const SOURCES = { citizen_web: ["formularz obywatela", "citizen web form"],
  consultation: ["konsultacja", "consultation"] };
/** A human label for every audit action the API writes. @type {Record<string, [string, string]>} */
export const ACTIONS = {
  consultation: ["Zapis z konsultacji", "Recorded from a consultation"],
  status: ["Zmiana statusu", "Status change"],
  note: ["Notatka", "Note"],
  assign: ["Przydział", "Assignment"],
  duplicate: ["Oznaczenie jako duplikat", "Marked as a duplicate"],
};

const WHEN = new Intl.DateTimeFormat("pl-PL",
  { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Warsaw" });
// A calendar date is no instant: it is shown as it is, in no time zone.
const DAY = new Intl.DateTimeFormat("pl-PL", { dateStyle: "short", timeZone: "UTC" });
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An instant (ISO 8601 with offset) as Warsaw's wall clock; a bare date as that date. */
export function when(iso) {
  if (!iso) return "—";
  if (CALENDAR_DATE.test(iso)) return calendarDate(iso);
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : WHEN.format(date);
}

/** "2026-11-29" → "29.11.2026", whatever the browser's time zone. */
export function calendarDate(value) {
  const match = CALENDAR_DATE.exec(value || "");
  if (!match) return value ? String(value) : "—";
  const [, year, month, day] = match.map(Number);
  return DAY.format(new Date(Date.UTC(year, month - 1, day)));
}

/** Today's date in Warsaw as YYYY-MM-DD (the latest meeting date the API accepts). */
export const warsawToday = (now = new Date()) => warsawWallClock(now).slice(0, 10);

/** @param {string} status a status's name or code, in both languages */
export const statusText = (status) => {
  const info = statusInfo(status);
  return bilingual(info.name, info.en);
};
export const reportLink = (id) => `#/r/${encodeURIComponent(id)}`;

/** Metres, as an officer reads them: "40 m", "1,2 km". */
export function distance(metres) {
  if (typeof metres !== "number" || !Number.isFinite(metres)) return "";
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toLocaleString("pl-PL", { maximumFractionDigits: 1 })} km`;
}
