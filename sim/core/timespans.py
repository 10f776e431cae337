"""Small helpers on time spans ``(start, end)`` in seconds."""

from __future__ import annotations

__all__ = ["union"]


def union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching spans joined, sorted by start."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
