// @ts-check
// Polish by default, English on request (remembered in localStorage). Shared by the map and
// the officer panel.
// Static text is written twice in the HTML, <span lang="pl">…</span><span lang="en">…</span>;
// CSS shows the spans of the page's language (html[lang]). Text made in scripts uses tr().
// Attributes and <option> texts are set for one language: listeners re-render them.

const STORAGE_KEY = "kmzb.lang";
const LANGUAGES = ["pl", "en"];
const listeners = [];

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: Polish
  }
}

export function language() {
  return document.documentElement.lang === "en" ? "en" : "pl";
}

/** The text of the current language. */
export function t(pl, en) {
  return language() === "en" ? en : pl;
}

/** Both languages as spans; the page's language decides which one shows. */
export function tr(pl, en = pl) {
  const fragment = document.createDocumentFragment();
  for (const [lang, text] of [["pl", pl], ["en", en]]) {
    const span = document.createElement("span");
    span.lang = lang;
    span.textContent = String(text);
    fragment.append(span);
  }
  return fragment;
}

/** Polish text followed by its English translation in a span lang="en" ("Nowe / New"). */
export function bilingual(polish, english) {
  const fragment = document.createDocumentFragment();
  fragment.append(String(polish));
  if (english && english !== polish) {
    const span = document.createElement("span");
    span.lang = "en";
    span.textContent = ` / ${english}`;
    fragment.append(span);
  }
  return fragment;
}

/**
 * Bilingual text in the page's style: the map toggles between the languages (tr); the officer
 * panel, <html data-bilingual="inline">, shows both at once (bilingual).
 * @param {string} pl
 * @param {string} [en]
 */
export function text(pl, en = pl) {
  return document.documentElement.dataset.bilingual === "inline" ? bilingual(pl, en) : tr(pl, en);
}

/** The name in the language the page is not in (a subtitle), tagged with its language. */
export function otherLanguage(pl, en) {
  const fragment = document.createDocumentFragment();
  fragment.append(
    Object.assign(document.createElement("span"), { lang: "en", className: "both when-pl", textContent: en }),
    Object.assign(document.createElement("span"), { lang: "pl", className: "both when-en", textContent: pl }));
  return fragment;
}

/** Elements with data-pl-<attribute> / data-en-<attribute> get the current language's value. */
function translateAttributes(root = document) {
  const lang = language();
  for (const element of root.querySelectorAll("[data-i18n-attrs]")) {
    if (!(element instanceof HTMLElement)) continue;
    for (const name of (element.dataset.i18nAttrs ?? "").split(/\s+/)) {
      const value = element.getAttribute(`data-${lang}-${name}`);
      if (value !== null) element.setAttribute(name, value);
    }
  }
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function setLanguage(lang, { remember = true } = {}) {
  const chosen = LANGUAGES.includes(lang) ? lang : "pl";
  document.documentElement.lang = chosen;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
  }
  translateAttributes();
  for (const listener of listeners) listener(chosen);
}

export function initLanguage() {
  setLanguage(stored() || "pl", { remember: false });
}
