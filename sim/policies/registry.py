"""The registry of realtime policies by name.

Each policy lives in its own module of :mod:`sim.policies` and is found here by itself: adding
a policy is adding a module (and its ``configs/policy/<name>.yaml``), nothing else. Every
:class:`~sim.policies.base.Policy` subclass of the package registers itself with
:mod:`sim.policies.base` when its module is imported; this module imports them all. Configs
name policies, never import paths.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import sim.policies
from sim.policies.base import Policy, build_params, defined_policies

__all__ = ["POLICIES", "get_policy", "make_policy"]

_NOT_POLICIES = {"api", "base", "levers", "outlook", "registry", "signals"}


def _discover() -> dict[str, type[Policy]]:
    """Import every policy module of the package; its policies register themselves."""
    for module in sorted(pkgutil.iter_modules(sim.policies.__path__), key=lambda m: m.name):
        if module.name not in _NOT_POLICIES:
            importlib.import_module(f"{sim.policies.__name__}.{module.name}")
    return defined_policies()


#: Every policy by its config name.
POLICIES: dict[str, type[Policy]] = _discover()


def get_policy(name: str) -> Policy:
    """A new instance of the policy registered as ``name``, with default parameters."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; allowed: {sorted(POLICIES)}") from None


def make_policy(name: str, params: dict[str, Any] | None = None) -> Policy:
    """A new instance of policy ``name`` with ``params`` (already checked by the config)."""
    cls = POLICIES[name]
    built, problems = build_params(cls.Params, dict(params or {}), f"policy.{name}")
    if problems:
        raise ValueError("; ".join(f"{k} = {v!r}: {why}" for k, v, why in problems))
    return cls(built)
