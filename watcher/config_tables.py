"""Typed TOML tables: a frozen dataclass built from a table, keys and types checked by annotation.

Generic (it knows no regwatch setting); every error names the key path and suggests the
nearest key. Used by watcher/config.py and watcher/config_entries.py.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from watcher.errors import ConfigError


def suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}" + suggest(key, sorted(allowed)))


def table_list(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of tables, written [[{key}]]")
    return value


def typed(data: Mapping[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    if key not in data:
        return default
    return expect(data[key], kind, f"{where}: {key}")


def expect(value: Any, kind: type, where: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def config_key(f: dataclasses.Field) -> str:
    """The config key of a dataclass field: its name, or `metadata["key"]` (e.g. `from`)."""
    return f.metadata.get("key", f.name)


def build_dataclass(
    cls: type,
    data: Any,
    where: str,
    *,
    raw_fields: set[str] = frozenset(),  # type: ignore[assignment]
) -> Any:
    """Build a frozen dataclass from a TOML table, checking keys and types by annotation."""
    if type(data) is not dict and not isinstance(data, Mapping):  # a parsed table is a dict: no ABC check
        raise ConfigError(f"{where}: expected a table, got {data!r}")
    fields, required = _fields(cls)
    hints = _type_hints(cls)
    taken = _taken_as_is(cls)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {key!r}" + suggest(key, sorted(fields)))
        name = fields[key].name
        if key in raw_fields or type(value) in taken[name]:
            values[name] = value
        else:
            values[name] = _coerce(value, hints[name], f"{where}: {key}")
    missing = [key for key in required if fields[key].name not in values]
    if missing:
        raise ConfigError(f"{where}: missing required key {missing[0]!r}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


@functools.cache
def _fields(cls: type) -> tuple[dict[str, dataclasses.Field], tuple[str, ...]]:
    """A config dataclass's fields by config key, and the keys it requires (in field order).

    Worked out once per class: a config of 10,000 sources builds 20,000 dataclasses."""
    fields = {config_key(f): f for f in dataclasses.fields(cls)}
    required = tuple(
        key
        for key, f in fields.items()
        if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    return fields, required


def _shape(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """`typing.get_origin` and `typing.get_args` of an annotation, worked out once per annotation."""
    try:
        return _shape_of(hint)
    except TypeError:  # an annotation that cannot be hashed
        return typing.get_origin(hint), typing.get_args(hint)


@functools.cache
def _shape_of(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    return typing.get_origin(hint), typing.get_args(hint)


#: Annotations checked by `expect` alone (the last branch of `_coerce`, taken at once).
SCALARS = (str, int, float, bool)


@functools.cache
def _taken_as_is(cls: type) -> dict[str, frozenset[type]]:
    """Per field, the exact value types `_coerce` would return unchanged without a look at the
    value (`str` for `str`, `str` and None for `str | None`, ...): a parsed table's scalars
    skip `_coerce`. Worked out once per class; any other type goes through `_coerce`."""
    return {name: _as_is(hint) for name, hint in _type_hints(cls).items()}


def _as_is(hint: Any) -> frozenset[type]:
    if hint in SCALARS:  # `expect`: an exact str/int/float/bool is returned as it is
        return frozenset({hint})
    origin, args = _shape(hint)
    if origin in (typing.Union, types.UnionType) and all(a in SCALARS or a is type(None) for a in args):
        # `_coerce` tries the members in order: an int meets `float` first when both are
        # members (and becomes a float), so it is taken as it is only without `float`.
        return frozenset(a for a in args if not (a is int and float in args))
    return frozenset()


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """Resolved annotations of a config dataclass (resolving them costs ~0.3 ms per source)."""
    return typing.get_type_hints(cls)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    if hint in SCALARS:
        return expect(value, hint, where)
    origin, args = _shape(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: unexpected {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: must be one of {', '.join(map(repr, args))}, not {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, Mapping) and args and typing.get_origin(args[0]) is tuple:
            value = sorted(value.items())  # a table such as headers = {Accept = "..."}
        if isinstance(value, str) and args and args[0] is str:
            value = [value]
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} values, got {value!r}")
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return build_dataclass(hint, value, where)
    if hint is Any:
        return value
    if isinstance(hint, type):
        return expect(value, hint, where)
    return value
