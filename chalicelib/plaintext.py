"""Plain text as citizens and officers type it: what is trimmed, what is counted, what is blank.

One definition for the server and the browser (`static_site/plaintext.js` implements the same
rules; both are tested against `tests/text_cases.json`), so that the form's counter and the
API's limit never disagree:

- line breaks: CR LF and lone CR become LF (a textarea's value already uses LF);
- Unicode NFC normalisation (a decomposed "ą" is one character, as the reader sees it);
- trimmed at both ends: Unicode's White_Space property (UCD PropList.txt) plus the invisible
  format characters people paste by accident: U+FEFF (byte order mark), U+200B-U+200D (zero
  width space, non-joiner, joiner), U+2060 (word joiner), U+180E, U+00AD (soft hyphen);
- counted in Unicode code points (an emoji is one, as Python's `len`; JavaScript must not count
  UTF-16 units);
- blank: nothing left after trimming.
"""

from __future__ import annotations

import unicodedata

# Unicode 15 White_Space (PropList.txt), then the invisible format characters above.
WHITE_SPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u180e\u00ad"
TRIMMED = WHITE_SPACE + INVISIBLE


def clean(raw: str) -> str:
    """The text as stored: line breaks unified, NFC, trimmed of `TRIMMED` at both ends."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip(TRIMMED)


def length(text: str) -> int:
    """Characters as users count them: Unicode code points of the cleaned text."""
    return len(clean(text))


def is_blank(raw: str) -> bool:
    """True when nothing but white space and invisible characters was typed."""
    return not clean(raw)
