"""`@record`: a frozen, slotted, keyword-only dataclass, made at less than half the import cost.

Every value that crosses a module boundary is a frozen dataclass (see `gates.model`). On Python
3.11 and 3.12, `dataclasses` compiles each method it writes (`__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__`, `__delattr__`) with an `exec` of its own, ~0.6 ms per class here; a
one-file `gates run` defines 50 of them, and that was 37 of its 88 ms of imports (measured by
timing `dataclasses._process_class` over the run's imports). A pre-commit hook pays that on every
commit.

`record` gives what `@dataclass(frozen=True, slots=True, kw_only=True)` gives, built differently:
`dataclasses` itself collects the fields and makes the slotted class (so `fields`, `replace`,
`asdict` and `is_dataclass` work as on any dataclass), with its method writers turned off.
`__eq__`, `__hash__`, `__repr__`, the frozen `__setattr__`/`__delattr__` and pickling are
closures over `operator.attrgetter`: nothing to compile. Only `__init__` is compiled, as
`dataclasses` writes it (keyword-only, defaults, factories), and only when the class is first
instantiated: most classes a one-file run imports are never instantiated in it. Until then
`inspect.signature` of the class shows `(*args, **kwargs)`. Measured on a one-file pii run:
imports 85 -> 65 ms. tests/test_record.py checks, on generated class shapes, that a record and
the dataclass it stands for construct, compare, hash, print, refuse assignment, pickle, copy
and replace alike.

What it does not do, and the classes that need it stay `@dataclass`: positional fields, `order`,
`__post_init__`, inheritance from another dataclass, `InitVar`. `__dataclass_params__` describes
the class `dataclasses` was asked for (no eq, not frozen): nothing here reads it.
"""

from __future__ import annotations

import dataclasses
import inspect  # imported by dataclasses already
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")

# Names the generated code binds; a field can't be spelled like them (fields are identifiers
# that do not start with "__record").
_OBJECT = "__record_object__"
_FACTORY = "__record_factory__"  # a parameter's default when its field has a default_factory


class _FactorySentinel:
    def __repr__(self) -> str:
        return "<factory>"  # as `dataclasses` shows it in a signature


_USE_FACTORY = _FactorySentinel()


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
def record(cls: type[_T]) -> type[_T]:
    """The class as `@dataclass(frozen=True, slots=True, kw_only=True)` would make it."""
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} defines {name}: make it a @dataclass instead")
    if "__post_init__" in cls.__dict__:
        raise TypeError(f"{cls.__qualname__} has __post_init__: make it a @dataclass instead")
    undocumented = not cls.__doc__
    if undocumented:
        # `dataclasses` would document the class with its signature, parsed by `inspect` from
        # text (tokenize's patterns compiled, a source parsed): half of what making a record
        # cost, and for a signature without the fields, as `__init__` is not there yet.
        cls.__doc__ = _PENDING_DOC
    made = dataclasses.dataclass(cls, init=False, repr=False, eq=False, kw_only=True, slots=True)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]  # it is one now
    for f in fields:
        if f.name.startswith("__record"):
            raise TypeError(f"{cls.__qualname__}.{f.name}: that name is reserved by record")
    if undocumented:
        made.__doc__ = _signature_doc(made, fields)
    methods = {"__init__": _first_init(made, fields), **_methods(made, fields)}
    for name, fn in methods.items():
        fn.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, fn)
    return made


_PENDING_DOC = "(documented by record)"


def _signature_doc(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """The docstring `dataclasses` gives a class that has none, `Name(*, field: 'type' = ...)`,
    built from the fields (the `inspect` objects only format it)."""
    params = []
    for f in fields:
        if not f.init:
            continue
        if f.default_factory is not dataclasses.MISSING:
            default: Any = _USE_FACTORY
        elif f.default is not dataclasses.MISSING:
            default = f.default
        else:
            default = inspect.Parameter.empty
        params.append(
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=f.type
            )
        )
    return cls.__name__ + str(inspect.Signature(params))


def _first_init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """An `__init__` that compiles the real one on the class's first instantiation, puts it in
    its own place and runs it: a class a run never instantiates (most of those a one-file run
    imports) never pays the compile."""

    def __init__(self: object, *args: Any, **kwargs: Any) -> None:
        real = _compiled_init(cls, fields)
        real(self, *args, **kwargs)

    return __init__


def _compiled_init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    env: dict[str, Any] = {_OBJECT: object, _FACTORY: _USE_FACTORY}
    namespace: dict[str, Any] = {}
    exec(_init_source(fields, env), env, namespace)  # noqa: S102 - our text, of identifiers only
    real: Callable[..., None] = namespace["__init__"]
    real.__qualname__ = f"{cls.__qualname__}.__init__"
    real.__annotations__ = {f.name: f.type for f in fields if f.init} | {"return": None}
    type.__setattr__(cls, "__init__", real)
    return real


def _init_source(fields: tuple[dataclasses.Field[Any], ...], env: dict[str, Any]) -> str:
    """`__init__`'s text, as `dataclasses` writes it (the one method that must be compiled to
    keep its signature and its speed); the defaults and factories it uses are added to `env`."""
    params: list[str] = []
    body: list[str] = []
    for f in fields:
        value = f.name
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            env[f"__record_make_{f.name}__"] = f.default_factory
        if f.default is not dataclasses.MISSING:
            env[f"__record_default_{f.name}__"] = f.default
        if f.init:
            if has_factory:
                params.append(f"{f.name}={_FACTORY}")
                value = f"__record_make_{f.name}__() if {f.name} is {_FACTORY} else {f.name}"
            elif f.default is not dataclasses.MISSING:
                params.append(f"{f.name}=__record_default_{f.name}__")
            else:
                params.append(f.name)
        elif has_factory:
            value = f"__record_make_{f.name}__()"
        elif f.default is not dataclasses.MISSING:
            value = f"__record_default_{f.name}__"
        else:
            continue  # not set by __init__, as with dataclasses
        body.append(f"    {_OBJECT}.__setattr__(self, {f.name!r}, {value})")
    signature = f"self, *, {', '.join(params)}" if params else "self"
    return f"def __init__({signature}):\n" + ("\n".join(body) or "    pass") + "\n"


def _values(names: Sequence[str]) -> Callable[[object], tuple[Any, ...]]:
    """A function giving the named attributes as a tuple (the tuple `dataclasses` compares and
    hashes), by `operator.attrgetter`, which is C."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*names)


def _methods(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> dict[str, Any]:
    """The other methods, as closures: nothing to compile."""
    shown = tuple(f.name for f in fields if f.repr)
    compared = _values([f.name for f in fields if f.compare])
    hashed = _values([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    every = tuple(f.name for f in fields)
    state = _values(every)
    names = frozenset(every)

    def __repr__(self: object) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: object) -> int:
        return hash(hashed(self))

    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __getstate__(self: object) -> tuple[Any, ...]:
        return state(self)

    def __setstate__(self: object, values: tuple[Any, ...]) -> None:
        for name, value in zip(every, values, strict=True):
            object.__setattr__(self, name, value)

    return {
        "__repr__": __repr__,
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__setattr__": __setattr__,
        "__delattr__": __delattr__,
        "__getstate__": __getstate__,
        "__setstate__": __setstate__,
    }
