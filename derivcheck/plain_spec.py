"""A plain-calculus file's declarations: `symbols:` (with SymPy assumptions) and `data:` (fixed lists of
numbers, indexed from 1), and the table they make: a forward table with symbols and data only."""

from __future__ import annotations

from typing import Callable

import yaml

from .errors import InputError
from .forward_spec import DataArray, ForwardSpec
from .source import Source
from .syntax import declared_name

ASSUMPTIONS = ("positive", "negative", "nonnegative", "nonpositive", "nonzero", "real")


class PlainReader:
    """Reads `symbols:` and `data:` in a file's source; ``check_new_name`` refuses a name taken or reserved."""

    def __init__(self, src: Source, check_new_name: Callable):
        self.src = src
        self.check_new_name = check_new_name

    def symbols(self, node: yaml.Node) -> dict[str, tuple[str, ...]]:
        src = self.src
        result: dict[str, tuple[str, ...]] = {}
        if isinstance(node, yaml.SequenceNode):
            entries = [(declared_name(src.text(item, "a symbol")), item, None) for item in node.value]
        else:
            entries = [(declared_name(key), key_node, value) for key, key_node, value in src.mapping(node, "symbols")]
        for name, where, value in entries:
            self.check_new_name(name, where, result)
            assumptions: tuple[str, ...] = ()
            if value is not None and not (isinstance(value, yaml.ScalarNode) and value.value in ("", "~")):
                items = value.value if isinstance(value, yaml.SequenceNode) else [value]
                assumptions = tuple(src.text(item, "an assumption") for item in items)
                for assumption, item in zip(assumptions, items):
                    if assumption not in ASSUMPTIONS:
                        raise InputError(f"unknown assumption '{assumption}'", src.where(item),
                                         "expected one of: " + ", ".join(ASSUMPTIONS))
            result[name] = assumptions
        return result

    def data(self, node: yaml.Node) -> dict[str, DataArray]:
        result: dict[str, DataArray] = {}
        for key, key_node, value in self.src.mapping(node, "data"):
            name = declared_name(key)
            self.check_new_name(name, key_node, result)
            items = self.src.sequence(value, f"data {name}")
            if not items:
                raise InputError(f"data {name} is empty", self.src.where(value))
            values = tuple(self.src.number(item, f"a value of {name}") for item in items)
            result[name] = DataArray(name, (len(values),), values, self.src.where(key_node))
        return result


def plain_table(symbols: dict[str, tuple[str, ...]], data: dict[str, DataArray]) -> ForwardSpec:
    """The table of a plain-calculus file: its symbols and its data, nothing declared or defined."""
    return ForwardSpec(dims={}, pieces=(), constants={}, data=data, upstream=(), loss=None, symbols=symbols)
