"""`values.direct_init` (round 14): `Feature` and `Link` are built by an `__init__` that
writes their fields into the instance's `__dict__` instead of the generated frozen one's
`object.__setattr__` per field. Compared with the very classes `dataclass(frozen=True)`
makes without it (the same fields, remade here): the same signature, and instances equal
field by field (values and identity of defaults), equal and hashing alike, still frozen,
`replace`d, pickled and printed alike. Broken (a field skipped or mixed up, another default),
these fail."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from watcher.related.values import Feature, Link, direct_init


def _generated(cls: type) -> type:
    """The same fields as `cls`, in a frozen dataclass with the generated `__init__`."""
    specs = [(f.name, f.type, dataclasses.field(default=f.default)) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(f"Generated{cls.__name__}", specs, frozen=True)


FEATURES = [
    ("ransomware", "word", '"ransomware"', 2.5),
    ("ransomware", "word", '"ransomware"', 2.5, ("ransomwar",), 17, "ransomware"),
    ("security rule", "phrase", '"security rule"', 1.1, ("secur", "rule"), 40, "security rule"),
    ("HIPAA", "act", "(hipaa)", 3.0, (), 12, "both on HIPAA", ("hipaa", "health insurance portability")),
    (
        "45 CFR 164",
        "identifier",
        "NEAR(...)",
        9.0,
        ("45", "cfr", "164"),
        3,
        "cites 45 CFR 164",
        (),
        2,
        5,
        "cfr",
    ),
]
LINKS = [
    ("key-1", 7, "hhs", "A title", "https://x.example/1", "2024-01-05", 0.61, ("ransomware",)),
    ("", 8, "ocr", "Another", "https://x.example/2", None, 0.3333333333333333, (), 2, True, "shares: risk"),
]


@pytest.mark.parametrize(("cls", "cases"), [(Feature, FEATURES), (Link, LINKS)])
def test_instances_as_the_generated_init_makes_them(cls, cases):
    reference = _generated(cls)
    assert "__setattr__" not in cls.__init__.__code__.co_names  # not the generated one's per-field call
    assert "__setattr__" in reference.__init__.__code__.co_names
    assert str(inspect.signature(cls.__init__)) == str(inspect.signature(reference.__init__))
    names = [f.name for f in dataclasses.fields(cls)]
    for args in cases:
        made, expected = cls(*args), reference(*args)
        assert list(vars(made)) == names  # every field, in order, and nothing else
        for name in names:
            assert getattr(made, name) is getattr(expected, name)  # values, and defaults' objects
        by_name = cls(**dict(zip(names, args, strict=False)))
        assert by_name == made and hash(by_name) == hash(made)
        assert repr(made) == repr(expected).replace(reference.__name__, cls.__name__, 1)
        assert pickle.loads(pickle.dumps(made)) == made
        first = names[0]
        assert dataclasses.replace(made, **{first: getattr(expected, first)}) == made
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, first, "changed")
    with pytest.raises(TypeError):
        cls()  # the required fields are still required


def test_only_plain_fields():
    """A default factory or a `__post_init__` would be skipped by a direct `__init__`: refused."""
    with pytest.raises(TypeError):

        @direct_init
        @dataclasses.dataclass(frozen=True)
        class WithFactory:
            items: list = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError):

        @direct_init
        @dataclasses.dataclass(frozen=True)
        class WithPostInit:
            value: int = 0

            def __post_init__(self) -> None:
                pass
