"""bench.toolcalls' scorer follows BFCL's AST checker (no model needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits beside the package

from bench.toolcalls import call_matches, score, spread, to_json_schema, type_ok  # noqa: E402

FN = {
    "name": "calc.area",
    "parameters": {
        "type": "dict",
        "properties": {
            "base": {"type": "integer"},
            "ratio": {"type": "float"},
            "unit": {"type": "string"},
            "sides": {"type": "array", "items": {"type": "integer"}},
            "exact": {"type": "boolean"},
        },
        "required": ["base"],
    },
}
TRUTH = {"calc.area": {"base": [10], "ratio": [0.5, ""], "unit": ["square meters", ""], "sides": [[3, 4], ""],
                       "exact": ["", True]}}


def ok(args: dict) -> bool:
    return call_matches("calc.area", args, TRUTH, FN)


def test_types_as_bfcl_checks_them() -> None:
    assert type_ok(1, {"type": "float"}) and not type_ok(1.5, {"type": "integer"})
    assert not type_ok(True, {"type": "integer"}) and not type_ok("1", {"type": "integer"})
    assert not type_ok([1, "2"], {"type": "array", "items": {"type": "integer"}})
    assert type_ok({"a": 1}, {"type": "any"})
    assert ok({"base": 10, "ratio": 0.5}) and not ok({"base": 10.0})  # 10.0 is not an integer


def test_arguments_required_optional_and_unexpected() -> None:
    assert ok({"base": 10}) and not ok({"ratio": 0.5})  # base is required
    assert not ok({"base": 10, "colour": "red"})  # not a parameter
    assert ok({"base": 10, "unit": "Square-Meters"}) and not ok({"base": 10, "unit": "acres"})  # BFCL's normalisation
    assert ok({"base": 10, "sides": [3, 4]}) and not ok({"base": 10, "sides": [4, 3]})  # lists in order
    assert ok({"base": 10, "exact": True}) and not ok({"base": 10, "exact": False})
    assert not call_matches("calc_area", {"base": 10}, TRUTH, FN)
    # an expected argument without "" among its values must be given
    assert not call_matches("calc.area", {"base": 10}, {"calc.area": {"base": [10], "unit": ["m"]}}, FN)


def test_parallel_any_order_and_irrelevance() -> None:
    truth = [{"calc.area": {"base": [1]}}, {"calc.area": {"base": [2]}}]
    fns = [FN]
    assert score([("calc.area", {"base": 2}), ("calc.area", {"base": 1})], truth, fns, False)
    assert not score([("calc.area", {"base": 1}), ("calc.area", {"base": 1})], truth, fns, False)
    assert not score([("calc.area", {"base": 1})], truth, fns, False)
    assert score([], [], fns, True) and not score([("calc.area", {"base": 1})], [], fns, True)


def test_schema_conversion_and_spread() -> None:
    schema = to_json_schema({"type": "dict", "properties": {"type": {"type": "string"}, "t": {"type": "tuple"},
                                                            "x": {"type": "any"}}})
    assert schema == {"type": "object", "properties": {"type": {"type": "string"}, "t": {"type": "array"}, "x": {}}}
    assert spread(list(range(10)), 3) == [0, 3, 6] and spread([1, 2], 5) == [1, 2] and spread([1, 2], 0) == [1, 2]
    assert spread(list(range(10)), 3, 1) == [1, 4, 7] and spread(list(range(10)), 3, 4) == [4, 7, 0]  # wraps round


def test_rescore_applies_the_backend_checks_to_a_logged_run(tmp_path: Path) -> None:
    import json

    from bench.toolcalls import rescore

    gdp = {"name": "finance.fetchGDP", "description": "GDP of a country in a year",
           "parameters": {"type": "dict", "properties": {"country": {"type": "string"}, "year": {"type": "integer"}},
                          "required": ["country", "year"]}}
    rows = {"irrelevance_1": {"id": "irrelevance_1", "function": [gdp],
                              "question": [[{"role": "user", "content": "What is the Gini coefficient of the USA?"}]]},
            "irrelevance_2": {"id": "irrelevance_2", "function": [gdp],
                              "question": [[{"role": "user", "content": "GDP of the USA in 2020?"}]]}}
    invented = [["finance.fetchGDP", {"country": "USA", "year": 2020}]]
    log = tmp_path / "run.log"
    log.write_text("loading…\n" + "\n".join(
        json.dumps({"id": i, "ok": False, "calls": invented, "truth": None}) for i in rows) + "\n{\"accuracy\": 0}\n")
    out = rescore(log, rows, irrelevance=True)
    # the invented year is dropped (no call: right), the year the user gave is kept (a call: wrong here)
    assert out == {"accuracy": 0.5, "n": 2, "unchecked_accuracy": 0.0, "changed": [{"id": "irrelevance_1", "ok": True}]}
