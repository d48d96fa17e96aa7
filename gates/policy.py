"""Policies: load YAML strictly, resolve `extends`, validate with JSON Schema, expose typed values.

Discovery: `--policy P`, else `.release-gates/policy.yaml` in the repository, else the
`[tool.release-gates]` table of `pyproject.toml` (pyproject_policy.py; both at once is an error),
else the shipped `fintech-default`. `extends:` names a shipped policy or a file beside the policy; mappings merge
deeply, lists and scalars replace. Every file is validated on its own (so an error names the file
that has it) and the merged result again. Each gate's section is validated with the gate's own
schema plus the common keys, and unknown keys are errors: a typo never silently disables a check.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from gates import cache_sweep, cachekey, pyproject_policy, redact
from gates.atomic import write_bytes_atomic
from gates.errors import InvalidInput
from gates.globs import GlobSet
from gates.model import Severity
from gates.package_data import shipped
from gates.record import record
from gates.registry import GateSpec
from gates.safe_files import UnsafeFile, exists_at, read_regular
from gates.strict_input import load_json, load_yaml
from gates.trust_source import TrustSource

if TYPE_CHECKING:
    import jsonschema

DISCOVERED = ".release-gates/policy.yaml"
PYPROJECT = pyproject_policy.PYPROJECT  # its [tool.release-gates] table: see pyproject_policy.py
SHIPPED = ("fintech-default", "pci-strict", "reconcile-card-lifecycle")
DEFAULT_SHIPPED = "fintech-default"
COMMON_KEYS = ("enabled", "paths", "exclude", "timeout", "severity")
_MAX_EXTENDS_DEPTH = 8


@record
class Policy:
    """A resolved policy: `extends` merged, validated. `document` is the merged mapping."""

    sources: tuple[str, ...]  # files merged, the shipped base first
    document: Mapping[str, Any]
    digest: str  # sha256 of the canonical JSON of `document`
    fail_on: Severity
    layers: tuple[tuple[str, Mapping[str, Any]], ...] = ()  # (file, its own document), base first
    # `exclude` compiled on first use, then kept: the runner tests it against every file, and
    # compiling the globs per call cost more than scanning the file. Not at construction: the
    # document is not validated yet then (a malformed `exclude` is validation's error to report).
    _exclude: GlobSet | None = field(init=False, default=None, repr=False, compare=False)

    def gate_section(self, gate: str) -> Mapping[str, Any]:
        section = self.document.get("gates", {}).get(gate, {})
        return section if isinstance(section, Mapping) else {}

    def section(self, key: str) -> Mapping[str, Any]:
        value = self.document.get(key, {})
        return value if isinstance(value, Mapping) else {}

    @property
    def source(self) -> str:
        """The file the user points at (the last one merged), for error messages."""
        return self.sources[-1] if self.sources else "(built-in)"

    @property
    def max_file_bytes(self) -> int:
        return int(self.document.get("max_file_bytes", 1_048_576))

    @property
    def unscanned_submodules(self) -> str:
        """`unscanned.submodules`: "block" or "warn" (validated by the schema)."""
        return str(self.section("unscanned").get("submodules", "warn"))

    @property
    def exclude(self) -> GlobSet:
        if self._exclude is None:
            object.__setattr__(self, "_exclude", GlobSet.of(self.document.get("exclude", ())))
        assert self._exclude is not None
        return self._exclude


@record
class GateSettings:
    """The runner's view of one gate section: common keys parsed, the gate's own keys kept."""

    enabled: bool
    include: GlobSet
    exclude: GlobSet
    timeout_s: int
    severity: Mapping[str, Severity]
    config: Mapping[str, Any]  # the gate's own keys only


# ---------------------------------------------------------------------------------------------
# Reading


Reader = Callable[[str], str | None]  # repo-relative path -> text, or None when absent


def shipped_text(name: str) -> str:
    return shipped("policies", f"{name}.yaml").read_text(encoding="utf-8")


_POLICY_LIMIT = 1_048_576
_POLICY_FIX = "make the policy a regular file (no symlink, directory or FIFO) under 1 MiB"


def source_reader(source: TrustSource) -> Reader:
    """Read policy files from a trust source: a symlink, directory or FIFO where a policy file
    should be is an error (exit 2), never "no policy" and so the shipped default."""

    def read(rel: str) -> str | None:
        data = source.read(rel, _POLICY_LIMIT, _POLICY_FIX)
        return None if data is None else _decode(data, source.label(rel))

    return read


def working_tree_reader(root: Path) -> Reader:
    return source_reader(TrustSource(root=root))


def ref_reader(root: Path, ref: str) -> Reader:
    """Read policy files as they are at `ref` (the trust ref in CI), never the working tree."""
    return source_reader(TrustSource(root=root, ref=ref))


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(label, "$", f"not UTF-8 ({exc.reason})", "save it as UTF-8") from None


def load(
    root: Path,
    explicit: str | None,
    *,
    reader: Reader | None = None,
    label_prefix: str = "",
    validate: bool = True,
    parse_cache: Path | None = None,
) -> Policy:
    """Discover and load the policy for `root`. `explicit` is --policy (a path or shipped name).

    With `validate=False` the caller validates (the pipeline does, unless its cache records that
    these exact files already passed). `parse_cache` is a directory remembering parsed files by
    the hash of their text, so an unchanged policy needs no YAML parser at all.
    """
    read = reader or working_tree_reader(root)
    policy = _discover(root, explicit, _Parser(read=read, prefix=label_prefix, cache=parse_cache))
    if validate:
        validate_policy_layers(policy)
    return policy


@record
class _Parser:
    read: Reader
    prefix: str
    cache: Path | None

    def parse(self, text: str, label: str) -> object:
        """The parsed document of `text`; from the parse cache when a valid entry is there.

        Entries are authenticated (HMAC under the machine key, `gates.cachekey`): a forged entry
        would otherwise swap the policy a run enforces. Policies holding a card- or key-shaped
        value are never cached, so the cache holds nothing in clear."""
        if pyproject_policy.is_pyproject(label):
            return pyproject_policy.parse(text, label)
        entry = None
        digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
        if self.cache is not None:
            entry = self.cache / "parsed-policies" / f"{digest}.json"
            try:
                stored = json.loads(entry.read_bytes())
                body = json.dumps(stored["doc"], sort_keys=True)
                if hmac.compare_digest(stored["mac"], cachekey.tag(_key(), digest, body)):
                    cache_sweep.keep(entry)  # in use: not to be aged out
                    return stored["doc"]
            except (OSError, ValueError, KeyError, TypeError):
                pass  # not cached yet, unreadable or not ours: parse the text itself
        doc = load_yaml(text, label)
        if entry is not None:
            try:
                encoded = json.dumps(doc, sort_keys=True)
            except (TypeError, ValueError):
                return doc  # not JSON-shaped (a YAML timestamp, say): validation reports it
            if json.loads(encoded) == doc and redact.DEFAULT.text(encoded) == encoded:
                # no key or a read-only cache: parsed again next run, the same document
                with contextlib.suppress(OSError, ValueError):
                    mac = cachekey.tag(_key(), digest, encoded)
                    record = json.dumps({"doc": doc, "mac": mac}, sort_keys=True)
                    write_bytes_atomic(entry, record.encode())
                    os.chmod(entry, 0o600)
        return doc


def _key() -> bytes:
    return cachekey.machine_key()


def _discover(root: Path, explicit: str | None, parser: _Parser) -> Policy:
    """Find the policy file, read the extends chain, merge; no schema validation here."""
    if explicit is not None:
        if explicit in SHIPPED:
            return _resolve_chain(root, f"shipped:{explicit}", parser)
        rel = _repo_relative(root, explicit)
        if rel is None:  # a policy outside the repository: read it as the user named it
            path = Path(explicit)
            if not exists_at(path):
                raise InvalidInput(explicit, "$", "no such policy file", "check the --policy path")
            return _resolve_chain(root, str(path), parser, outside=path)
        if parser.read(rel) is None:
            raise InvalidInput(explicit, "$", "no such policy file", "check the --policy path")
        return _resolve_chain(root, rel, parser)
    in_pyproject = pyproject_policy.configures(parser.read(PYPROJECT), parser.prefix + PYPROJECT)
    if parser.read(DISCOVERED) is not None:
        if in_pyproject:
            raise pyproject_policy.ambiguous(parser.prefix + DISCOVERED, parser.prefix + PYPROJECT)
        return _resolve_chain(root, DISCOVERED, parser)
    if in_pyproject:
        return _resolve_chain(root, PYPROJECT, parser)
    return _resolve_chain(root, f"shipped:{DEFAULT_SHIPPED}", parser)


def _repo_relative(root: Path, name: str) -> str | None:
    path = Path(name)
    full = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not full.is_relative_to(root):
        return None
    return PurePosixPath(*full.relative_to(root).parts).as_posix()


def _resolve_chain(
    root: Path, start: str, parser: _Parser, *, outside: Path | None = None
) -> Policy:
    prefix = parser.prefix
    docs: list[tuple[str, dict[str, Any]]] = []
    current: str | None = start
    seen: set[str] = set()
    while current is not None:
        if current in seen or len(docs) >= _MAX_EXTENDS_DEPTH:
            raise InvalidInput(
                docs[-1][0],
                "$.extends",
                f"extends chain loops or is deeper than {_MAX_EXTENDS_DEPTH}",
                "make the chain end at a shipped policy",
            )
        seen.add(current)
        found = _read_one(current, parser.read, outside if current == start else None)
        if found is None:
            referrer = docs[-1][0] if docs else current
            raise InvalidInput(
                referrer,
                "$.extends" if docs else "$",
                f"policy file {current} not found",
                "fix the path (relative to the extending policy) or name a shipped policy",
            )
        label, text = found
        doc = parser.parse(text, prefix + label)
        if not isinstance(doc, dict):
            raise InvalidInput(
                prefix + label, "$", "a policy must be a mapping", "start with `version: 1`"
            )
        docs.append((prefix + label, doc))
        parent = doc.get("extends")
        current = _parent_location(current, parent, prefix + label) if parent else None
    merged: dict[str, Any] = {}
    for _label, doc in reversed(docs):
        merged = merge(merged, {k: v for k, v in doc.items() if k != "extends"})
    sources = tuple(label for label, _ in reversed(docs))
    digest = hashlib.sha256(canonical_json(merged).encode()).hexdigest()
    fail_on = merged.get("fail_on", "high")
    return Policy(
        sources=sources,
        document=merged,
        digest=digest,
        # an invalid value is reported by validation, which always runs before the policy is used
        fail_on=Severity(fail_on) if fail_on in tuple(Severity) else Severity.HIGH,
        layers=tuple(reversed(docs)),
    )


def _read_one(location: str, read: Reader, outside: Path | None) -> tuple[str, str] | None:
    if location.startswith("shipped:"):
        name = location.removeprefix("shipped:")
        return f"policies/{name}.yaml (shipped)", shipped_text(name)
    if outside is not None:
        try:
            data = read_regular(outside, _POLICY_LIMIT, str(outside))
        except UnsafeFile as exc:
            raise InvalidInput(str(outside), "$", str(exc), _POLICY_FIX) from None
        return str(outside), _decode(data, str(outside))
    text = read(location)
    return None if text is None else (location, text)


def _parent_location(current: str, parent: object, label: str) -> str:
    if not isinstance(parent, str):
        raise InvalidInput(label, "$.extends", "must be a string", "name a shipped policy")
    if parent in SHIPPED:
        return f"shipped:{parent}"
    if current.startswith("shipped:"):
        raise InvalidInput(
            label, "$.extends", f"unknown shipped policy {parent!r}", f"use one of {SHIPPED}"
        )
    base = PurePosixPath(current).parent
    rel = (base / parent).as_posix()
    parts = PurePosixPath(rel).parts
    if PurePosixPath(parent).is_absolute() or ".." in parts:
        raise InvalidInput(
            label,
            "$.extends",
            f"{parent!r} leaves the repository or is absolute",
            f"name a shipped policy ({', '.join(SHIPPED)}) or a file beside this policy",
        )
    return rel


def merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key; lists and scalars in `top` replace `base`."""
    out = copy.deepcopy(dict(base))
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Validation


def _schema(name: str) -> dict[str, Any]:
    resource = shipped("schemas", name)
    data = load_json(resource.read_bytes(), f"gates/schemas/{name}")
    assert isinstance(data, dict)
    return data


def _optional_schema(name: str) -> dict[str, Any] | None:
    if not shipped("schemas", name).is_file():
        return None
    return _schema(name)


def json_path(parts: Sequence[object]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _fix_for(error: jsonschema.ValidationError) -> str:
    match error.validator:
        case "additionalProperties":
            allowed = (
                sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
            )
            return (
                f"remove it or check its spelling (allowed: {', '.join(allowed)})"
                if allowed
                else "remove it"
            )
        case "required":
            return "add the missing key"
        case "type":
            return f"write a value of type {error.validator_value}"
        case "enum":
            return "use one of " + ", ".join(str(v) for v in error.validator_value)  # type: ignore[union-attr]  # enum values are a list
        case "const":
            return f"write {error.validator_value!r}"
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            return f"use a value within the {error.validator} of {error.validator_value}"
        case "pattern":
            return f"match the pattern {error.validator_value}"
        case _:
            return "see `gates policy show` and the schema in gates/schemas/"


def check_schema(
    instance: object, schema: Mapping[str, Any], file: str, prefix: Sequence[object] = ()
) -> None:
    """Validate; raise InvalidInput for the most relevant error (deterministic choice)."""
    import jsonschema  # ~100 ms to import: only when a policy is not known to be valid

    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(
        validator.iter_errors(instance),
        key=lambda e: ([str(p) for p in e.absolute_path], str(e.validator)),
    )
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = (
            set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        )
        extra = sorted(k for k in error.instance if k not in allowed)
        where = (
            json_path([*prefix, *error.absolute_path, extra[0]])
            if extra
            else json_path([*prefix, *error.absolute_path])
        )
        raise InvalidInput(file, where, "unknown key", _fix_for(error))
    raise InvalidInput(
        file, json_path([*prefix, *error.absolute_path]), error.message, _fix_for(error)
    )


def validate_policy_layers(policy: Policy) -> None:
    """Each file on its own (so an error names the file that has it), then the merged result."""
    for label, doc in policy.layers:
        validate_document(doc, label)
    validate_document(policy.document, policy.source)


def validate_document(doc: Mapping[str, Any], file: str) -> None:
    check_schema(doc, _schema("policy.schema.json"), file)
    for key, schema_name in (
        ("roles", "roles.schema.json"),
        ("approvals", "approvals.schema.json"),
    ):
        schema = _optional_schema(schema_name)
        if key in doc and schema is not None:
            check_schema(doc[key], schema, file, (key,))


def gate_schema(spec: GateSpec, *, partial: bool = False) -> dict[str, Any]:
    """The gate's own schema with the common keys added and unknown keys forbidden.

    `partial`: for an override (merged over the top-level section) or a disabled gate's section,
    required keys are not demanded; every key present is still checked, typos included."""
    schema = copy.deepcopy(dict(spec.config_schema))
    if partial:
        schema.pop("required", None)
    common = _schema("gate-common.schema.json")["properties"]
    schema["type"] = "object"
    schema["properties"] = {**common, **schema.get("properties", {})}
    schema["additionalProperties"] = False
    return schema


def mentioned_gates(policy: Policy) -> tuple[str, ...]:
    """Gate ids that appear in the policy's `gates` or `overrides`, sorted."""
    ids = set(policy.document.get("gates", {}))
    for ov in policy.document.get("overrides", ()):
        ids |= set(ov["gates"])
    return tuple(sorted(ids))


def validate_gates(policy: Policy, specs: Sequence[GateSpec], installed: Sequence[str]) -> None:
    """Check every gate section against its gate's schema, and that every id names a gate."""
    by_id = {s.id: s for s in specs}
    sections: list[tuple[Sequence[object], str, Mapping[str, Any]]] = [
        (("gates", gid), gid, sec) for gid, sec in policy.document.get("gates", {}).items()
    ]
    for i, ov in enumerate(policy.document.get("overrides", ())):
        sections += [(("overrides", i, "gates", gid), gid, sec) for gid, sec in ov["gates"].items()]
    for where, gid, section in sections:
        if gid not in installed:
            raise InvalidInput(
                policy.source,
                json_path(where),
                f"no installed gate is called {gid!r}",
                f"use one of: {', '.join(installed)}",
            )
        spec = by_id.get(gid)
        if spec is not None:
            partial = where[0] == "overrides" or section.get("enabled") is False
            check_schema(section, gate_schema(spec, partial=partial), policy.source, where)
            _check_severity_rules(section, spec, policy.source, where)


def _check_severity_rules(
    section: Mapping[str, Any], spec: GateSpec, file: str, where: Sequence[object]
) -> None:
    known = {r.id: r for r in spec.rules}
    for rule in section.get("severity", {}):
        if rule not in known and not rule.startswith(f"{spec.id}.custom."):
            raise InvalidInput(
                file,
                json_path([*where, "severity", rule]),
                f"gate {spec.id} has no rule {rule!r}",
                "see `gates list` for rule ids",
            )
        if rule in known and known[rule].reported_as:
            target = known[rule].reported_as
            raise InvalidInput(
                file,
                json_path([*where, "severity", rule]),
                f"{rule} findings are reported as {target} (the same problem), so this "
                "override would never apply",
                f"write the severity for {target}",
            )


def settings(
    policy: Policy, spec: GateSpec, overlay: Mapping[str, Any] | None = None
) -> GateSettings:
    section = policy.gate_section(spec.id)
    if overlay:
        section = merge(section, overlay)
    return GateSettings(
        enabled=bool(section.get("enabled", True)),
        include=GlobSet.of(section.get("paths", ())),
        exclude=GlobSet.of(section.get("exclude", ())),
        timeout_s=int(section.get("timeout", spec.default_timeout_s)),
        severity={rule: Severity(sev) for rule, sev in section.get("severity", {}).items()},
        config={k: v for k, v in section.items() if k not in COMMON_KEYS},
    )


def overlays(policy: Policy, gate: str) -> tuple[tuple[GlobSet, Mapping[str, Any]], ...]:
    """The `overrides` that touch `gate`, in order: (file patterns, partial section)."""
    return tuple(
        (GlobSet.of(ov["paths"]), ov["gates"][gate])
        for ov in policy.document.get("overrides", ())
        if gate in ov["gates"]
    )
