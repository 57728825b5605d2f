"""The shared plain-text rules, against the cases the browser's tests use too."""

import json
from pathlib import Path

import pytest

from chalicelib import plaintext

CASES = json.loads((Path(__file__).parents[1] / "text_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_text_is_cleaned_counted_and_judged_blank_as_the_browser_does(case):
    assert plaintext.clean(case["input"]) == case["clean"]
    assert plaintext.length(case["input"]) == case["length"]
    assert plaintext.is_blank(case["input"]) is case["blank"]
