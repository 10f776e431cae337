"""The interface every realtime policy implements."""

from __future__ import annotations

from typing import ClassVar


class Policy:
    """A realtime intervention policy.

    ``check_interval_seconds`` is how often the model consults the policy; ``None`` means
    never, in which case the model runs without any policy machinery at all.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    check_interval_seconds: float | None = None
