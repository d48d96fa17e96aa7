"""`@record` behaves as `@dataclass(frozen=True, slots=True, kw_only=True)` does, on any shape."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.record import record

# One field: (name, how it gets a value, repr, compare, hash)
_KINDS = ("required", "default", "factory", "no-init-default", "no-init-factory")
_field_specs = st.lists(
    st.tuples(
        st.sampled_from(_KINDS),
        st.booleans(),
        st.booleans(),
        st.sampled_from((None, True, False)),
    ),
    max_size=6,
)
_values = st.one_of(st.integers(), st.text(max_size=5), st.tuples(st.integers()), st.none())


def _field(kind: str, repr_: bool, compare: bool, hash_: bool | None, i: int) -> Any:
    match kind:
        case "required":
            return dataclasses.field(repr=repr_, compare=compare, hash=hash_)
        case "default":
            return dataclasses.field(default=("d", i), repr=repr_, compare=compare, hash=hash_)
        case "factory":
            return dataclasses.field(
                default_factory=lambda: ("f", i), repr=repr_, compare=compare, hash=hash_
            )
        case "no-init-default":
            return dataclasses.field(init=False, default=i, repr=repr_, compare=compare, hash=hash_)
        case _:
            return dataclasses.field(
                init=False, default_factory=lambda: (i,), repr=repr_, compare=compare, hash=hash_
            )


def _twins(specs: list[tuple[str, bool, bool, bool | None]]) -> tuple[type, type]:
    """The same class body made by `dataclasses` and by `record`."""

    def body() -> dict[str, Any]:
        ns: dict[str, Any] = {"__annotations__": {}, "__module__": __name__}
        for i, spec in enumerate(specs):
            ns["__annotations__"][f"f{i}"] = "Any"
            ns[f"f{i}"] = _field(*spec, i)
        return ns

    reference = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(
        type("Shape", (), body())
    )
    ours = record(type("Shape", (), body()))
    globals()["Shape"] = ours  # where pickle looks a class up by name
    return reference, ours


def _args(specs: list[tuple[str, bool, bool, bool | None]], values: list[Any]) -> dict[str, Any]:
    """Every required field, and every other init field that has a value to give."""
    out: dict[str, Any] = {}
    for i, ((kind, *_), value) in enumerate(zip(specs, values, strict=False)):
        if kind == "required" or (kind in ("default", "factory") and value is not None):
            out[f"f{i}"] = value
    for i, (kind, *_) in enumerate(specs):
        if kind == "required":
            out.setdefault(f"f{i}", i)
    return out


@settings(max_examples=150, deadline=None)
@given(specs=_field_specs, values=st.lists(_values, max_size=6), more=st.lists(_values, max_size=6))
def test_a_record_is_the_dataclass_it_stands_for(
    specs: list[tuple[str, bool, bool, bool | None]], values: list[Any], more: list[Any]
) -> None:
    reference, ours = _twins(specs)
    a, b = _args(specs, values), _args(specs, more)
    ra, oa, rb, ob = reference(**a), ours(**a), reference(**b), ours(**b)

    assert repr(oa) == repr(ra)
    assert str(inspect.signature(ours)) == str(inspect.signature(reference))
    assert ours.__doc__ == reference.__doc__  # documented with its signature, as dataclasses does
    assert [(f.name, f.type, f.init, f.repr, f.compare) for f in dataclasses.fields(ours)] == [
        (f.name, f.type, f.init, f.repr, f.compare) for f in dataclasses.fields(reference)
    ]
    assert dataclasses.asdict(oa) == dataclasses.asdict(ra)
    assert (oa == ob) == (ra == rb)
    assert oa == ours(**a)
    assert oa != ra  # another class, as two dataclasses of one shape are
    assert hash(oa) == hash(ra)
    assert ours.__match_args__ == reference.__match_args__ == ()
    assert not hasattr(oa, "__dict__")
    for copied in (
        pickle.loads(pickle.dumps(oa)),  # noqa: S301 - bytes pickled here
        copy.deepcopy(oa),
        copy.copy(oa),
    ):
        assert copied == oa
        assert repr(copied) == repr(oa)
    replaced = dataclasses.replace(oa, **b)
    assert type(replaced) is ours
    assert dataclasses.asdict(replaced) == dataclasses.asdict(dataclasses.replace(ra, **b))
    for name in [f"f{i}" for i in range(len(specs))] + ["other"]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(oa, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(oa, name)


def test_a_record_takes_keywords_only_and_names_a_missing_field() -> None:
    @record
    class Money:
        """An amount."""

        amount: int
        currency: str = "EUR"

    assert Money(amount=5) == Money(amount=5, currency="EUR")
    assert Money.__doc__ == "An amount."
    with pytest.raises(TypeError, match="positional"):
        Money(5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="amount"):
        Money()  # type: ignore[call-arg]
    assert Money.__init__.__annotations__ == {"amount": "int", "currency": "str", "return": None}
    assert Money.__repr__.__qualname__.endswith("Money.__repr__")


def test_a_class_that_needs_more_than_a_record_is_refused() -> None:
    with pytest.raises(TypeError, match="__post_init__"):

        @record
        class Checked:
            value: int

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="__eq__"):

        @record
        class Compared:
            value: int

            def __eq__(self, other: object) -> bool:
                return True

            __hash__ = object.__hash__


def test_gates_values_survive_a_trip_to_a_worker_process() -> None:
    """Findings cross from a forked worker to the run by pickle: they must arrive whole."""
    from gates.model import Finding, Location, Severity

    finding = Finding(
        gate="pii",
        rule="pii.pan",
        severity=Severity.HIGH,
        message="a card number",
        location=Location(path="a.py", line=3),
        fingerprint="abc",
        properties=(("sensitive.value", "4111111111111111"),),
    )
    arrived = pickle.loads(pickle.dumps(finding))  # noqa: S301 - bytes pickled here
    assert arrived == finding
    assert arrived.properties == finding.properties
