"""kmzb-admin units init/check and infra.unit_config, on the real garrisons and powiats."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.units import UnitConfigError
from infra import unit_config
from infra.admin import run


@pytest.fixture
def env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {"KMZB_DATA_DIR": str(data_dir), "KMZB_STATE_DIR": str(tmp_path / "state")}


def admin(env: dict[str, str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(argv), env, out)
    return code, out.getvalue()


def garrison_powiats(data_dir: Path, slug: str) -> list[str]:
    garrisons = json.loads((data_dir / "garrisons.json").read_text("utf-8"))
    return next(g["powiats"] for g in garrisons if g["garrison"] == slug)


@pytest.fixture
def malopolskie(env: dict[str, str], tmp_path: Path) -> Path:
    path = tmp_path / "units" / "malopolskie.json"
    code, out = admin(env, "units", "init", "--garrison", "malopolskie", "--output", str(path))
    assert code == 0, out
    return path


def edit(path: Path, change: Any) -> None:
    config = json.loads(path.read_text("utf-8"))
    change(config)
    path.write_text(json.dumps(config, ensure_ascii=False), "utf-8")


def unit(config: dict[str, Any], unit_id: str) -> dict[str, Any]:
    return next(u for u in config["units"] if u["id"] == unit_id)


def check(env: dict[str, str], path: Path, *extra: str) -> tuple[int, list[str]]:
    code, out = admin(env, "units", "check", *extra, str(path))
    return code, out.splitlines()


def test_init_writes_one_unit_per_powiat_of_the_garrison(malopolskie: Path, data_dir: Path) -> None:
    text = malopolskie.read_text("utf-8")
    assert "Kraków" in text  # UTF-8, not \u escapes
    assert text.startswith('{\n  "garrison"')  # pretty-printed
    config = json.loads(text)
    powiats = garrison_powiats(data_dir, "malopolskie")
    assert config["garrison"] == "malopolskie"
    assert len(config["units"]) == len(powiats)
    assert [u["teryt"] for u in config["units"]] == sorted(powiats)
    krakow = unit(config, "kmp-1261")
    assert krakow == {
        "id": "kmp-1261",
        "name": "Komenda Miejska Policji (Kraków)",
        "teryt": "1261",
        "powiats": ["1261"],
        "contact": {"email": "", "phone": "", "address": ""},
    }
    assert unit(config, "kpp-1206")["name"] == "Komenda Powiatowa Policji (powiat krakowski)"


def test_init_refuses_to_overwrite_without_force(
    env: dict[str, str], malopolskie: Path, capsys: Any
) -> None:
    malopolskie.write_text("{}", "utf-8")
    code, _ = admin(env, "units", "init", "--garrison", "malopolskie", "--output", str(malopolskie))
    assert code == 2
    assert "exists; give --force" in capsys.readouterr().err
    assert malopolskie.read_text("utf-8") == "{}"
    argv = ["units", "init", "--garrison", "malopolskie", "--output", str(malopolskie), "--force"]
    code, _ = admin(env, *argv)
    assert code == 0
    assert len(json.loads(malopolskie.read_text("utf-8"))["units"]) == 22


def test_init_names_the_valid_garrisons_for_an_unknown_one(
    env: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    code, _ = admin(env, "units", "init", "--garrison", "krakow", "--output", str(tmp_path / "x"))
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown garrison 'krakow'" in err and "malopolskie, mazowieckie" in err
    assert not (tmp_path / "x").exists()


def test_a_fresh_file_passes_the_check(env: dict[str, str], malopolskie: Path) -> None:
    assert check(env, malopolskie) == (0, ["malopolskie: 22 powiats in 22 units: OK"])
    assert check(env, malopolskie, "--garrison", "malopolskie")[0] == 0


def test_merging_powiats_into_one_unit_is_fine(env: dict[str, str], malopolskie: Path) -> None:
    def merge(config: dict[str, Any]) -> None:
        krakow = unit(config, "kmp-1261")
        krakow["powiats"].append("1206")
        krakow["name"] = "Komenda Miejska Policji w Krakowie"
        krakow["contact"] = {"email": "kmp@krakow.policja.gov.pl", "phone": "12 615 11 11"}
        config["units"].remove(unit(config, "kpp-1206"))

    edit(malopolskie, merge)
    assert check(env, malopolskie) == (0, ["malopolskie: 22 powiats in 21 units: OK"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda c: c["units"].remove(unit(c, "kpp-1206")),
            "powiat 1206 (krakowski) is served by no unit",
        ),
        (
            lambda c: unit(c, "kmp-1261")["powiats"].append("0264"),
            "unit kmp-1261: powiat 0264 (Wrocław) belongs to garrison dolnoslaskie, "
            "not malopolskie",
        ),
        (
            lambda c: unit(c, "kmp-1261")["powiats"].append("1206"),
            "powiat 1206 (krakowski) is served by both kpp-1206 and kmp-1261",
        ),
        (
            lambda c: unit(c, "kmp-1261")["powiats"].append("1299"),
            "unit kmp-1261: unknown TERYT code '1299'",
        ),
        (lambda c: unit(c, "kmp-1261").update(name="  "), "unit kmp-1261: no name"),
        (
            lambda c: unit(c, "kmp-1261")["contact"].update(email="kmp@"),
            "unit kmp-1261: contact email: not a valid e-mail address: 'kmp@'",
        ),
        (
            lambda c: unit(c, "kmp-1261")["contact"].update(phone="12345"),
            "unit kmp-1261: contact phone: not a valid phone number: '12345'",
        ),
        (
            lambda c: unit(c, "kpp-1206").update(id="kmp-1261"),
            "unit kmp-1261: the id is used by units #6 and #20",
        ),
        (
            lambda c: unit(c, "kmp-1261").update(id="kmp 1261/Kraków"),
            "unit kmp 1261/Kraków: the id may hold only letters, digits, '-' and '_'",
        ),
        (
            lambda c: unit(c, "kmp-1261").update(teryt="1206"),
            "unit kmp-1261: seat 'teryt' '1206' is not one of its powiats",
        ),
        (lambda c: c.update(garrison="slaskie"), "the file is for garrison 'slaskie'"),
    ],
)
def test_the_check_reports_each_problem(
    env: dict[str, str], malopolskie: Path, change: Any, problem: str, capsys: Any
) -> None:
    edit(malopolskie, change)
    code, lines = check(env, malopolskie, "--garrison", "malopolskie")
    assert code == 2
    assert any(line.startswith(f"{malopolskie}: {problem}") for line in lines), lines
    assert "problem" in capsys.readouterr().err


def test_the_check_reports_all_problems_at_once(env: dict[str, str], malopolskie: Path) -> None:
    def break_it(config: dict[str, Any]) -> None:
        config["units"].remove(unit(config, "kpp-1206"))
        unit(config, "kmp-1261")["name"] = ""
        unit(config, "kmp-1261")["powiats"].append("2461")

    edit(malopolskie, break_it)
    code, lines = check(env, malopolskie)
    assert code == 2
    assert lines == [
        f"{malopolskie}: unit kmp-1261: no name",
        f"{malopolskie}: unit kmp-1261: powiat 2461 (Bielsko-Biała) belongs to garrison "
        "slaskie, not malopolskie",
        f"{malopolskie}: powiat 1206 (krakowski) is served by no unit",
    ]


def test_the_check_refuses_what_is_not_a_unit_file(
    env: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "units.json"
    path.write_text('{"units": [', "utf-8")
    code, lines = check(env, path, "--garrison", "malopolskie")
    assert code == 2 and "not valid JSON" in lines[0]
    path.write_text("[]", "utf-8")
    code, lines = check(env, path, "--garrison", "malopolskie")
    assert code == 2 and "must hold a JSON object" in lines[0]
    path.write_text('{"units": []}', "utf-8")
    code, _ = check(env, path)
    assert code == 2 and "names no garrison; give --garrison" in capsys.readouterr().err
    code, _ = check(env, tmp_path / "missing.json", "--garrison", "malopolskie")
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_garrison_units_reads_the_file_or_falls_back_to_the_defaults(
    malopolskie: Path, data_dir: Path, tmp_path: Path
) -> None:
    defaults = unit_config.garrison_units("malopolskie", data_dir, tmp_path / "none.json")
    assert len(defaults) == 22
    assert {u.garrison for u in defaults} == {"malopolskie"}
    krakow = next(u for u in defaults if u.teryt == "1261")
    assert (krakow.id, krakow.powiats) == ("kmp-1261", ("1261",))

    def merge(config: dict[str, Any]) -> None:
        unit(config, "kmp-1261")["powiats"].append("1206")
        config["units"].remove(unit(config, "kpp-1206"))

    edit(malopolskie, merge)
    units = unit_config.garrison_units("malopolskie", data_dir, malopolskie)
    assert len(units) == 21
    merged = next(u for u in units if u.id == "kmp-1261")
    assert merged.powiats == ("1261", "1206") and merged.garrison == "malopolskie"

    edit(malopolskie, lambda c: c["units"].remove(unit(c, "kmp-1261")))
    with pytest.raises(unit_config.UnitFileError) as raised:
        unit_config.garrison_units("malopolskie", data_dir, malopolskie)
    assert "powiat 1261 (Kraków) is served by no unit" in raised.value.problems
    assert "powiat 1206 (krakowski) is served by no unit" in str(raised.value)

    with pytest.raises(UnitConfigError, match="unknown garrison 'atlantyda'"):
        unit_config.garrison_units("atlantyda", data_dir)


def test_the_module_helpers(data_dir: Path) -> None:
    slugs = unit_config.garrison_slugs(data_dir)
    assert len(slugs) == 17 and "stoleczny" in slugs and slugs == sorted(slugs)
    assert unit_config.units_path("opolskie").parts[-3:] == ("infra", "units", "opolskie.json")
    config = unit_config.default_config("stoleczny", data_dir)
    assert [u["id"] for u in config["units"]][-1] == "kmp-1465"
    assert unit_config.check_config(config, "stoleczny", data_dir) == []
    assert unit_config.check_config(config, "mazowieckie", data_dir)[0] == (
        "the file is for garrison 'stoleczny', not 'mazowieckie'"
    )
