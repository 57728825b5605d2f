"""The shared plain-text rules, against the cases the browser's tests use too."""

import json
import subprocess
from pathlib import Path

import pytest

from chalicelib import plaintext

CASES = json.loads((Path(__file__).parents[1] / "text_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_text_is_cleaned_counted_and_judged_blank_as_the_browser_does(case):
    assert plaintext.clean(case["input"]) == case["clean"]
    assert plaintext.length(case["input"]) == case["length"]
    assert plaintext.is_blank(case["input"]) is case["blank"]


def _js(expression: str) -> object:
    """The value of `expression` over static_site/plaintext.js (imported as `p`), run by node."""
    module = (Path(__file__).parents[2] / "static_site" / "plaintext.js").as_uri()
    script = f"import({json.dumps(module)}).then((p) => console.log(JSON.stringify({expression})))"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(done.stdout)


def test_the_browser_trims_exactly_the_ranges_the_server_trims():
    assert _js("p.TRIMMED_RANGES") == [list(r) for r in plaintext.TRIMMED_RANGES]
    assert _js("p.ATTACHED_RANGES") == [list(r) for r in plaintext.ATTACHED_RANGES]


def test_the_trimmed_set_is_white_space_default_ignorables_and_braille_blank():
    # Spot checks against the UCD: White_Space, Default_Ignorable_Code_Point, U+2800; the
    # ranges are sorted and do not overlap; visible neighbours are not trimmed.
    for code in (0x2800, 0x3164, 0x115F, 0x1160, 0xFFA0, 0x200E, 0x200F, 0x034F, 0x061C):
        assert plaintext.is_trimmed(chr(code)), hex(code)
    for low, high in ((0x202A, 0x202E), (0x2066, 0x2069), (0xFE00, 0xFE0F), (0x2061, 0x2064)):
        assert all(plaintext.is_trimmed(chr(c)) for c in range(low, high + 1)), hex(low)
    assert plaintext.is_trimmed("\U000e0020")
    for ch in "a.ąŁ\u2801\u3165\u0008\ufe10":
        assert not plaintext.is_trimmed(ch), hex(ord(ch))
    flat = [bound for r in plaintext.TRIMMED_RANGES for bound in r]
    assert flat == sorted(flat)
    assert all(
        a[1] < b[0]
        for a, b in zip(plaintext.TRIMMED_RANGES, plaintext.TRIMMED_RANGES[1:], strict=False)
    )


FORBIDDEN = [
    ("bell\u0007", True, True),
    ("nul\u0000", True, True),
    ("c1\u0085x", True, True),
    ("half \ud800 surrogate", True, True),
    ("admin\u202e.exe", True, True),
    ("lre \u202a x", True, True),
    ("pdf \u202c", True, True),
    ("lro \u202d", True, True),
    ("lri \u2066 x", True, True),
    ("pdi \u2069", True, True),
    ("fsi \u2068", True, True),
    ("dwie\nlinie", False, True),
    ("tab\there", False, True),
    ("zażółć 🙂", False, False),
    ("marks \u200e\u200f\u061c", False, False),  # marks reorder nothing: allowed
    ("\u00ad\u200b", False, False),
    ("", False, False),
]


@pytest.mark.parametrize(("text", "in_multiline", "in_one_line"), FORBIDDEN)
def test_forbidden_characters_are_the_same_in_python_and_javascript(
    text, in_multiline, in_one_line
):
    assert plaintext.has_forbidden_characters(text, multiline=True) is in_multiline
    assert plaintext.has_forbidden_characters(text, multiline=False) is in_one_line
    if "\ud800" not in text:  # a lone surrogate cannot cross node's command line
        quoted = json.dumps(text)
        assert _js(
            f"[p.hasForbiddenCharacters({quoted}, true), p.hasForbiddenCharacters({quoted}, false)]"
        ) == [
            in_multiline,
            in_one_line,
        ]
