"""Named random streams of one replication.

Every source of randomness (arrivals, handle times, patience, ...) gets its own
``numpy.random.Generator``, seeded from ``SeedSequence(seed, spawn_key=(replication,
crc32(name)))``. A stream therefore depends only on the run seed, the replication number
and its own name: adding a source, or a policy that consumes more of one stream, never
shifts another. That is what lets policies be compared under common random numbers.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["SOURCES", "Streams"]

#: The random sources the model uses; each is an independent stream.
SOURCES: tuple[str, ...] = ("arrivals", "handle_time", "wrap_up", "patience")


class Streams:
    """Lazily created, independent generators for one replication, looked up by name."""

    def __init__(self, seed: int, replication: int, day: int = 0) -> None:
        if seed < 0 or replication < 0 or day < 0:
            raise ValueError("seed, replication and day must be non-negative integers")
        self.seed = int(seed)
        self.replication = int(replication)
        # Day d > 0 of a week draws from streams of its own; day 0's are a one-day run's.
        self.day = int(day)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            key: tuple[int, ...] = (self.replication, zlib.crc32(name.encode()))
            if self.day:
                key = (self.replication, self.day, zlib.crc32(name.encode()))
            gen = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
            )
            self._generators[name] = gen
        return gen
