// @ts-check
// Plain text as citizens type it: what is trimmed, what is counted, what is blank, what is
// refused. The same rules and the same explicit ranges as chalicelib/plaintext.py (both tested
// against tests/text_cases.json; tests/unit/test_plaintext.py checks the ranges are identical),
// so that the form's counter and the API's limit never disagree:
// - CR LF and lone CR become LF; Unicode NFC;
// - trimmed at both ends of TRIMMED_RANGES: Unicode White_Space (PropList.txt), every
//   Default_Ignorable_Code_Point (DerivedCoreProperties.txt; written out rather than
//   \p{Default_Ignorable_Code_Point}, whose Unicode version follows the browser) and U+2800;
//   at the end, variation selectors and tag characters right after a visible character stay
//   (they belong to an emoji). String.prototype.trim differs, so it is not used;
// - counted in Unicode code points (an emoji is one), not UTF-16 units;
// - blank: nothing left after trimming;
// - forbidden: control characters (LF and tab allowed in multi-line text), lone surrogates and
//   the bidi embedding/override/isolate controls U+202A-U+202E, U+2066-U+2069 ("Trojan source").
// No DOM: node's tests import it.

/** Inclusive code point ranges: White_Space ∪ Default_Ignorable_Code_Point ∪ {U+2800}. */
export const TRIMMED_RANGES = [
  [0x0009, 0x000D], [0x0020, 0x0020], [0x0085, 0x0085], [0x00A0, 0x00A0], [0x00AD, 0x00AD],
  [0x034F, 0x034F], [0x061C, 0x061C], [0x115F, 0x1160], [0x1680, 0x1680], [0x17B4, 0x17B5],
  [0x180B, 0x180F], [0x2000, 0x200A], [0x200B, 0x200F], [0x2028, 0x2029], [0x202A, 0x202E],
  [0x202F, 0x202F], [0x205F, 0x205F], [0x2060, 0x206F], [0x2800, 0x2800], [0x3000, 0x3000],
  [0x3164, 0x3164], [0xFE00, 0xFE0F], [0xFEFF, 0xFEFF], [0xFFA0, 0xFFA0], [0xFFF0, 0xFFF8],
  [0x1BCA0, 0x1BCA3], [0x1D173, 0x1D17A], [0xE0000, 0xE0FFF],
];

/** Kept at the end right after a visible character: variation selectors, tag characters. */
export const ATTACHED_RANGES = [
  [0x180B, 0x180D], [0x180F, 0x180F], [0xFE00, 0xFE0F], [0xE0020, 0xE007F], [0xE0100, 0xE01EF],
];

const within = (ranges, point) => ranges.some(([low, high]) => low <= point && point <= high);

/** The text as the server stores it: line breaks unified, NFC, trimmed at both ends. */
export function clean(raw) {
  const points = Array.from(String(raw ?? "").replace(/\r\n?/g, "\n").normalize("NFC"));
  const code = (i) => points[i].codePointAt(0);
  let start = 0;
  let end = points.length;
  while (start < end && within(TRIMMED_RANGES, code(start))) start++;
  while (end > start && within(TRIMMED_RANGES, code(end - 1))) end--;
  while (end < points.length && end > start && within(ATTACHED_RANGES, code(end))) end++;
  return points.slice(start, end).join("");
}

/** Characters as the server counts them: code points of the cleaned text. */
export function length(raw) {
  return [...clean(raw)].length; // the string iterator walks code points
}

/** True when nothing but white space and invisible characters was typed. */
export function isBlank(raw) {
  return clean(raw) === "";
}

/**
 * True for text the API refuses (422 invalid_characters): control characters (LF and tab
 * allowed when `multiline`), lone surrogates, bidi embedding/override/isolate controls.
 */
export function hasForbiddenCharacters(text, multiline = true) {
  const pattern = multiline
    ? /[^\P{Cc}\n\t]|\p{Cs}|[\u202A-\u202E\u2066-\u2069]/u
    : /\p{Cc}|\p{Cs}|[\u202A-\u202E\u2066-\u2069]/u;
  return pattern.test(text);
}
