from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..state import EmulatorState


class NovaBackend:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def advance(self, now: float) -> bool:
        return False
