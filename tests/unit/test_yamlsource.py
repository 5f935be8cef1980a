"""The shared YAML loader: hostile shapes are refused with a located error, never a traceback."""

from __future__ import annotations

import pytest

from forewarn.yamlsource import MAX_ALIASED_NODES, ConfigInvalid, parse_yaml


def _laughs(levels: int) -> str:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for prev, name in zip("abcdefgh", "bcdefghi"[:levels], strict=False):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    return text


def test_a_recursive_alias_is_refused_with_its_line():
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml("ok: 1\na: &x [1, *x]\n", "f.yaml")
    assert str(caught.value) == "f.yaml:2: a[1]: an alias refers to a node that contains it"


def test_aliases_that_expand_without_bound_are_refused():
    assert 10**4 < MAX_ALIASED_NODES < 10**6
    assert parse_yaml(_laughs(3)).data["d"][0][0][0] == ["x"] * 10
    with pytest.raises(ConfigInvalid, match="aliases repeat more than"):
        parse_yaml(_laughs(6))


def test_deep_nesting_is_refused():
    assert parse_yaml("[" * 200 + "]" * 200).data is not None
    with pytest.raises(ConfigInvalid, match="nested too deeply"):
        parse_yaml("[" * 5000 + "]" * 5000, "deep.yaml")
