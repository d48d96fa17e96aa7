"""detect-secrets imported without `requests`: the gates never verify a secret over the network.

detect-secrets imports `requests` in its plugin and filter modules for its optional `--verify`
step (asking the provider whether a key is live). We run offline and never verify, yet importing
`requests` (and urllib3, charset detection, certifi) cost every secrets run ~95 ms of CPU, a third
of a pre-commit run on one file.

`preload()` imports detect-secrets' scanning modules, plugins and filters once, while `requests`
in `sys.modules` is a stand-in that has what those modules touch when they are imported (the names
in a return annotation and an `except` clause) and raises if anything tries to use the network.
The stand-in leaves `sys.modules` afterwards, so any other code that imports `requests` gets the
real one; the detect-secrets modules keep the stand-in, which makes "no network at run time" a
property of the code, not only of the configuration. When `requests` or detect-secrets is already
imported, nothing is done: the modules are already bound to what they found.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types

# The packages whose modules detect-secrets imports when it scans: the scanning core, every plugin
# (its settings import each to build the plugin list) and every filter (named by dotted path).
_PACKAGES = ("detect_secrets.plugins", "detect_secrets.filters")
_MODULES = ("detect_secrets.core.scan", "detect_secrets.settings", "detect_secrets.transformers")


class OfflineError(RuntimeError):
    """detect-secrets tried to use the network; release-gates never verifies secrets online."""


class _RequestException(OSError):
    pass


def _refuse(*args: object, **kwargs: object) -> None:
    raise OfflineError(
        "detect-secrets tried to reach the network (secret verification); release-gates runs "
        "offline and never verifies secrets"
    )


def stand_in() -> tuple[types.ModuleType, types.ModuleType]:
    """(`requests`, `requests.exceptions`): what detect-secrets' modules touch on import."""
    requests = types.ModuleType("requests", "release-gates' offline stand-in for requests")
    exceptions = types.ModuleType("requests.exceptions")
    exceptions.RequestException = _RequestException  # type: ignore[attr-defined]
    requests.exceptions = exceptions  # type: ignore[attr-defined]
    requests.Response = type("Response", (), {})  # type: ignore[attr-defined]
    for verb in ("get", "post", "put", "head", "request"):
        setattr(requests, verb, _refuse)
    return requests, exceptions


def preload() -> None:
    """Import detect-secrets' scanning modules with the stand-in (see the module docstring).

    A detect-secrets version that needs more of `requests` on import than the stand-in has is
    not an error: its half-imported modules are dropped and it is left to import normally, with
    the real `requests`, as if this had not run."""
    if "requests" in sys.modules or "detect_secrets" in sys.modules:
        return
    requests, exceptions = stand_in()
    sys.modules["requests"] = requests
    sys.modules["requests.exceptions"] = exceptions
    try:
        for name in _MODULES:
            importlib.import_module(name)
        for package in _PACKAGES:
            path = importlib.import_module(package).__path__
            for info in pkgutil.iter_modules(path, prefix=f"{package}."):
                importlib.import_module(info.name)
    except Exception:
        for name in [
            m for m in sys.modules if m == "detect_secrets" or m.startswith("detect_secrets.")
        ]:
            del sys.modules[name]
    finally:
        for name, module in (("requests", requests), ("requests.exceptions", exceptions)):
            if sys.modules.get(name) is module:
                del sys.modules[name]
