// What the panel shows for the API's values: statuses, roles, actions, times and dates.
import { warsawWallClock } from "../wallclock.js";
import { bilingual } from "./dom.js";

export const HANDED_OVER = "Potwierdzone (przekazane poza Policję)";
export const STATUSES = new Map([
  ["Nowe", { en: "New", colour: "#2e7d32" }],
  ["Weryfikacja", { en: "Verification", colour: "#f9c80e" }],
  ["Potwierdzone", { en: "Confirmed", colour: "#c62828" }],
  ["Niepotwierdzone", { en: "Not confirmed", colour: "#8a8a8a" }],
  ["Żart lub pomyłka", { en: "Prank or mistake", colour: "#7b3fa0" }],
  ["Potwierdzone (wyeliminowane)", { en: "Confirmed (eliminated)", colour: "#1565c0" }],
  [HANDED_OVER, { en: "Confirmed (handed over outside the Police)", colour: "#8d5a2b" }],
]);
// Used only when the API does not say which transitions close a report (older API).
export const CLOSED = new Set(["Niepotwierdzone", "Żart lub pomyłka",
  "Potwierdzone (wyeliminowane)", HANDED_OVER]);
export const ROLES = { officer: ["funkcjonariusz", "officer"],
  coordinator: ["koordynator", "coordinator"], admin: ["administrator", "administrator"] };
export const TIMES_OF_DAY = { rano: ["rano", "morning"], dzien: ["dzień", "day"],
  wieczor: ["wieczór", "evening"], noc: ["noc", "night"] };
export const DAYS = { mon: ["pon.", "Mon"], tue: ["wt.", "Tue"], wed: ["śr.", "Wed"],
  thu: ["czw.", "Thu"], fri: ["pt.", "Fri"], sat: ["sob.", "Sat"], sun: ["niedz.", "Sun"] };
export const SOURCES = { citizen_web: ["formularz obywatela", "citizen web form"],
  consultation: ["konsultacja", "consultation"] };
// A human label for every audit action the API writes.
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

export const statusInfo = (status) => STATUSES.get(status) || { en: status, colour: "#444" };
export const statusText = (status) => bilingual(status, statusInfo(status).en);
export const reportLink = (id) => `#/r/${encodeURIComponent(id)}`;

/** Metres, as an officer reads them: "40 m", "1,2 km". */
export function distance(metres) {
  if (typeof metres !== "number" || !Number.isFinite(metres)) return "";
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toLocaleString("pl-PL", { maximumFractionDigits: 1 })} km`;
}
