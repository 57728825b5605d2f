from chalicelib import categories
from chalicelib.categories import Visibility


def test_the_catalogue_has_the_27_kmzb_categories_with_unique_codes() -> None:
    codes = [c.code for c in categories.CATEGORIES]
    assert len(codes) == 27
    assert len(set(codes)) == 27
    assert all(c.name_pl and c.name_en for c in categories.CATEGORIES)


def test_sensitive_categories_are_never_public_and_venues_only_once_confirmed() -> None:
    rules = {c.code: c.visibility for c in categories.CATEGORIES}
    assert rules["animal_cruelty"] is Visibility.NEVER
    assert rules["drug_use"] is Visibility.NEVER
    assert rules["dangerous_venue"] is Visibility.CONFIRMED_ONLY
    others = set(rules) - {"animal_cruelty", "drug_use", "dangerous_venue"}
    assert {rules[c] for c in others} == {Visibility.ALWAYS}


def test_a_category_is_found_by_code_with_polish_and_english_names() -> None:
    speeding = categories.get("speeding")
    assert speeding is not None
    assert speeding.name_pl == "Przekraczanie dozwolonej prędkości"
    assert speeding.as_dict()["name_en"] == "Speeding"
    assert categories.get("nonsense") is None
