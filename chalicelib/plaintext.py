"""Plain text as citizens and officers type it: what is trimmed, what is counted, what is blank.

One definition for the server and the browser (`static_site/plaintext.js` implements the same
rules, with the same explicit ranges; both are tested against `tests/text_cases.json`, and
`tests/unit/test_plaintext.py` checks the two range lists are identical), so that the form's
counter and the API's limit never disagree:

- line breaks: CR LF and lone CR become LF (a textarea's value already uses LF);
- Unicode NFC normalisation (a decomposed "ą" is one character, as the reader sees it);
- trimmed at both ends: `TRIMMED_RANGES`, i.e. Unicode's White_Space property (PropList.txt),
  every Default_Ignorable_Code_Point (DerivedCoreProperties.txt: zero width and bidi
  marks/controls, Hangul fillers, variation selectors, tag characters, U+FEFF, ...) and
  U+2800 (braille pattern blank, which renders as nothing). One exception keeps emoji whole: at
  the end, variation selectors and tag characters right after a visible character belong to it
  ("❤️" ends with U+FE0F, a subdivision flag with tags) and stay;
- counted in Unicode code points (an emoji is one, as Python's `len`; JavaScript must not count
  UTF-16 units);
- blank: nothing left after trimming;
- forbidden (`has_forbidden_characters`): control characters (but LF and tab in multi-line
  text), lone surrogates (DynamoDB cannot store them), and the bidi embedding, override and
  isolate controls U+202A-U+202E, U+2066-U+2069, which reorder what a reader sees ("Trojan
  source"); they are refused, not silently removed.
"""

from __future__ import annotations

import unicodedata

# Inclusive code point ranges, sorted. Unicode 17.0: White_Space (PropList.txt) ∪
# Default_Ignorable_Code_Point (DerivedCoreProperties.txt, including its unassigned code
# points) ∪ {U+2800}. static_site/plaintext.js holds the same list.
TRIMMED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0009, 0x000D),  # WS: tab, LF, VT, FF, CR
    (0x0020, 0x0020),  # WS: space
    (0x0085, 0x0085),  # WS: next line
    (0x00A0, 0x00A0),  # WS: no-break space
    (0x00AD, 0x00AD),  # DI: soft hyphen
    (0x034F, 0x034F),  # DI: combining grapheme joiner
    (0x061C, 0x061C),  # DI: Arabic letter mark
    (0x115F, 0x1160),  # DI: Hangul choseong/jungseong fillers
    (0x1680, 0x1680),  # WS: Ogham space mark
    (0x17B4, 0x17B5),  # DI: Khmer inherent vowels
    (0x180B, 0x180F),  # DI: Mongolian free variation selectors, vowel separator
    (0x2000, 0x200A),  # WS: en quad .. hair space
    (0x200B, 0x200F),  # DI: zero width space, ZWNJ, ZWJ, LRM, RLM
    (0x2028, 0x2029),  # WS: line and paragraph separators
    (0x202A, 0x202E),  # DI: bidi embeddings and overrides
    (0x202F, 0x202F),  # WS: narrow no-break space
    (0x205F, 0x205F),  # WS: medium mathematical space
    (0x2060, 0x206F),  # DI: word joiner, invisible operators, bidi isolates, deprecated
    (0x2800, 0x2800),  # braille pattern blank
    (0x3000, 0x3000),  # WS: ideographic space
    (0x3164, 0x3164),  # DI: Hangul filler
    (0xFE00, 0xFE0F),  # DI: variation selectors 1-16
    (0xFEFF, 0xFEFF),  # DI: zero width no-break space (byte order mark)
    (0xFFA0, 0xFFA0),  # DI: halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # DI: unassigned
    (0x1BCA0, 0x1BCA3),  # DI: shorthand format controls
    (0x1D173, 0x1D17A),  # DI: musical symbol format controls
    (0xE0000, 0xE0FFF),  # DI: tags, variation selectors 17-256, unassigned
)

# Kept at the end when they directly follow a visible character: they modify it (emoji
# presentation, tag sequences of subdivision flags).
ATTACHED_RANGES: tuple[tuple[int, int], ...] = (
    (0x180B, 0x180D),
    (0x180F, 0x180F),
    (0xFE00, 0xFE0F),
    (0xE0020, 0xE007F),
    (0xE0100, 0xE01EF),
)

# Bidi embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in ranges)


def is_trimmed(ch: str) -> bool:
    """True for a character `clean` removes at the ends (one code point)."""
    return _in(TRIMMED_RANGES, ch)


def clean(raw: str) -> str:
    """The text as stored: line breaks unified, NFC, trimmed at both ends (module docstring)."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    start, end = 0, len(text)
    while start < end and is_trimmed(text[start]):
        start += 1
    while end > start and is_trimmed(text[end - 1]):
        end -= 1
    # Give back the modifiers of the last visible character.
    while end < len(text) and end > start and _in(ATTACHED_RANGES, text[end]):
        end += 1
    return text[start:end]


def length(text: str) -> int:
    """Characters as users count them: Unicode code points of the cleaned text."""
    return len(clean(text))


def is_blank(raw: str) -> bool:
    """True when nothing but white space and invisible characters was typed."""
    return not clean(raw)


def has_forbidden_characters(text: str, *, multiline: bool) -> bool:
    """True when `text` holds a control character (LF and tab allowed when `multiline`), a lone
    surrogate or a bidi embedding/override/isolate control; such text is a 422."""
    allowed = "\n\t" if multiline else ""
    return any(
        (unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed) or ord(ch) in BIDI_CONTROLS
        for ch in text
    )
