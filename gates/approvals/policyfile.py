"""Reading the policy for `gates approve` / `gates signoff` (stand-in for the runner's loader).

Reads one YAML file strictly (duplicate keys rejected) from the working tree or from the trust
ref. It does not resolve `extends:`; once `gates.policy.load` lands, `load_policy` delegates to it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from gates import git
from gates.approvals.files import UnsafeFile, read_regular
from gates.errors import InvalidInput
from gates.model import Severity
from gates.policy import Policy

DEFAULT_POLICY = ".release-gates/policy.yaml"
MAX_POLICY_BYTES = 1_048_576


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise InvalidInput(
                "policy",
                f"line {key_node.start_mark.line + 1}",
                f"duplicate key {key!r}",
                "keep one",
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_policy(root: Path, explicit: str | None, trust_ref: str | None) -> Policy:
    rel = explicit or DEFAULT_POLICY
    label = rel if trust_ref is None else f"{trust_ref}:{rel}"
    if trust_ref is not None:
        data = git.show_file(root, trust_ref, rel)
        if data is None:
            raise InvalidInput(label, "$", "no policy at the trust ref", "commit the policy first")
    else:
        try:
            data = read_regular(root / rel, MAX_POLICY_BYTES, rel)
        except UnsafeFile as exc:
            raise InvalidInput(rel, "$", str(exc), "pass --policy PATH") from None
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(label, "$", f"not valid YAML: {exc}".splitlines()[0], "fix it") from None
    except InvalidInput as exc:
        raise InvalidInput(label, exc.field, exc.problem, exc.fix) from None
    if not isinstance(doc, dict):
        raise InvalidInput(label, "$", "policy is not a mapping", "write key: value pairs")
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    return Policy(sources=(rel,), document=doc, digest=digest, fail_on=Severity.HIGH)
