// Small DOM helpers of the officer panel. Text from the API is always set as text
// (textContent, text nodes), never parsed as HTML.

export const $ = (id) => document.getElementById(id);

/** An element with text set as text, never parsed as HTML. */
export function el(tag, { text, className, lang, ...attributes } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (lang) element.lang = lang;
  if (text !== undefined && text !== null) element.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** Polish text followed by its English translation in a span lang="en". */
export function bilingual(polish, english) {
  const fragment = document.createDocumentFragment();
  fragment.append(String(polish));
  if (english && english !== polish) fragment.append(el("span", { lang: "en", text: ` / ${english}` }));
  return fragment;
}

export function say(element, polish, english, kind = "") {
  element.className = kind;
  element.replaceChildren(bilingual(polish ?? "", english));
}
