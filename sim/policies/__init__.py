"""Realtime intervention policies, looked up by name.

A policy is what a realtime analyst does while watching the day. Each policy lives in its
own module and registers itself here; configs name policies, never import paths.
"""

from __future__ import annotations

from .base import Policy
from .none import NoPolicy

__all__ = ["POLICIES", "Policy", "get_policy"]

#: Every policy by its config name.
POLICIES: dict[str, type[Policy]] = {
    NoPolicy.name: NoPolicy,
}


def get_policy(name: str) -> Policy:
    """A new instance of the policy registered as ``name``."""
    try:
        return POLICIES[name]()
    except KeyError:
        raise ValueError(f"unknown policy {name!r}; allowed: {sorted(POLICIES)}") from None
