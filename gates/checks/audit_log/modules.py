"""A parsed Python module's index: its functions, classes, imports and the loggers it binds."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from gates.checks.audit_log.names import terminal
from gates.record import record

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@record
class Import:
    module: str  # absolute dotted module name
    attr: str | None  # `from module import attr`; None for `import module [as x]`


@dataclass(slots=True, kw_only=True)
class Module:
    path: str  # repo-relative
    tree: ast.Module
    functions: dict[str, FunctionNode] = field(default_factory=dict)  # module level
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, Import] = field(default_factory=dict)  # local name -> what it is
    loggers: dict[str, frozenset[str]] = field(default_factory=dict)  # module-level loggers

    def methods(self, class_name: str) -> dict[str, FunctionNode]:
        cls = self.classes.get(class_name)
        if cls is None:
            return {}
        return {
            n.name: n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }


def parse(path: str, source: str | bytes) -> Module:
    """Index a module (bytes: its encoding cookie and BOM are honoured); raises SyntaxError,
    ValueError or RecursionError when it is not Python 3 the parser can read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in scanned code are not our warnings
        tree = ast.parse(source, filename=path)
    mod = Module(path=path, tree=tree)
    package = _package(path)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mod.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            mod.classes[node.name] = node
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                if alias.asname:
                    mod.imports[alias.asname] = Import(module=alias.name, attr=None)
                else:
                    top = alias.name.split(".")[0]
                    mod.imports[top] = Import(module=top, attr=None)
        elif isinstance(sub, ast.ImportFrom):
            base = _absolute(sub.module, sub.level, package)
            if base is None:
                continue
            for alias in sub.names:
                if alias.name != "*":
                    mod.imports[alias.asname or alias.name] = Import(module=base, attr=alias.name)
    mod.loggers = logger_bindings(tree.body, {})
    return mod


def logger_bindings(
    body: list[ast.stmt], known: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """Names bound to loggers in these statements (`log = structlog.get_logger()`, `log =
    log.bind(payment_id=...)`), with the fields bound to them, on top of `known`."""
    out = dict(known)
    for node in _statements(body):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            continue
        name = terminal(value.func)
        fields: frozenset[str] | None = None
        if name in ("getLogger", "get_logger", "wrap_logger", "getChild"):
            fields = frozenset()
        elif name in ("bind", "new") and isinstance(value.func, ast.Attribute):
            receiver = value.func.value
            inner = terminal(receiver)
            if inner is not None and (inner in out or inner.lower().endswith(("log", "logger"))):
                base = out.get(inner, frozenset()) if name == "bind" else frozenset()
                fields = base | {kw.arg for kw in value.keywords if kw.arg is not None}
        if fields is None:
            continue
        for target in targets:
            key = terminal(target) if isinstance(target, ast.Name | ast.Attribute) else None
            if key is not None:
                out[key] = fields
    return out


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a block and its nested blocks, in order; not into functions/classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(stmt, name, []):
                if isinstance(child, ast.stmt):
                    yield from _statements([child])
                else:  # excepthandler / match_case
                    yield from _statements(child.body)


def _package(path: str) -> tuple[str, ...]:
    parts = PurePosixPath(path).parts
    return tuple(parts[:-1])


def _absolute(module: str | None, level: int, package: tuple[str, ...]) -> str | None:
    if level == 0:
        return module
    if level - 1 > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    parts = [*base, *(module.split(".") if module else [])]
    return ".".join(parts) if parts else None


def candidate_paths(module: str, importer: str) -> tuple[str, ...]:
    """Repo-relative files that may hold `module`: from the root, `src/`, and each directory
    above the importing file (services/checkout/x.py importing `checkout.audit`)."""
    rel = module.replace(".", "/")
    roots: list[str] = ["", "src/"]
    parent = PurePosixPath(importer).parent
    while parent.as_posix() not in (".", ""):
        roots.append(parent.as_posix() + "/")
        parent = parent.parent
    out: list[str] = []
    for root in roots:
        for name in (f"{root}{rel}.py", f"{root}{rel}/__init__.py"):
            if name not in out:
                out.append(name)
    return tuple(out)
