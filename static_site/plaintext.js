// Plain text as citizens type it: what is trimmed, what is counted, what is blank.
// The same rules as chalicelib/plaintext.py (both tested against tests/text_cases.json), so
// that the form's counter and the API's limit never disagree:
// - CR LF and lone CR become LF; Unicode NFC;
// - trimmed at both ends of Unicode White_Space plus the invisible characters people paste by
//   accident (U+FEFF, U+200B-U+200D, U+2060, U+180E, U+00AD); String.prototype.trim differs
//   (it strips U+FEFF but not U+200B, U+0085 or U+180E), so it is not used;
// - counted in Unicode code points (an emoji is one), not UTF-16 units;
// - blank: nothing left after trimming.
// No DOM: node's tests import it.

/** Unicode 15 White_Space (PropList.txt), then the invisible format characters. */
export const WHITE_SPACE = "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
  + "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
  + "\u2028\u2029\u202f\u205f\u3000";
export const INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u180e\u00ad";
const TRIMMED = new Set(WHITE_SPACE + INVISIBLE); // all in the BMP: one UTF-16 unit each

/** The text as the server stores it: line breaks unified, NFC, trimmed at both ends. */
export function clean(raw) {
  const text = String(raw ?? "").replace(/\r\n?/g, "\n").normalize("NFC");
  let start = 0;
  let end = text.length;
  while (start < end && TRIMMED.has(text[start])) start++;
  while (end > start && TRIMMED.has(text[end - 1])) end--;
  return text.slice(start, end);
}

/** Characters as the server counts them: code points of the cleaned text. */
export function length(raw) {
  let count = 0;
  for (const _ of clean(raw)) count++; // the string iterator walks code points
  return count;
}

/** True when nothing but white space and invisible characters was typed. */
export function isBlank(raw) {
  return clean(raw) === "";
}
