"""Report statuses of the KMZB workflow (the transitions arrive with the officer workflow)."""

from __future__ import annotations

NEW = "Nowe"
VERIFYING = "Weryfikacja"
CONFIRMED = "Potwierdzone"
NOT_CONFIRMED = "Niepotwierdzone"
PRANK_OR_MISTAKE = "Żart lub pomyłka"
CONFIRMED_ELIMINATED = "Potwierdzone (wyeliminowane)"
CONFIRMED_HANDED_OVER = "Potwierdzone (przekazane poza Policję)"

STATUSES: tuple[str, ...] = (
    NEW,
    VERIFYING,
    CONFIRMED,
    NOT_CONFIRMED,
    PRANK_OR_MISTAKE,
    CONFIRMED_ELIMINATED,
    CONFIRMED_HANDED_OVER,
)
