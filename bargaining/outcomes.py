"""How talks end: the one list of outcome names every part of the package uses."""

from enum import StrEnum


class Outcome(StrEnum):
    """The outcome of a negotiation (a ``str``, so it prints, compares and serialises as its name).

    * ``deal``: every country signed a package and ratified it;
    * ``bilateral``: some countries signed and ratified; those left out keep neither the old agreement nor
      the new text (``protocols.BilateralFirst``);
    * ``withdrawal``: the threatener's notice of withdrawal took effect (NAFTA Art. 2205);
    * ``stalemate``: talks reached the horizon with no deal and no notice; the status quo continues;
    * ``ratification_failed``: a signed package was not ratified at home (Putnam 1988).
    """

    DEAL = "deal"
    BILATERAL = "bilateral"
    WITHDRAWAL = "withdrawal"
    STALEMATE = "stalemate"
    RATIFICATION_FAILED = "ratification_failed"

    @property
    def signed(self) -> bool:
        """Whether the outcome leaves a signed and ratified package (a deal or a bilateral agreement)."""
        return self in (Outcome.DEAL, Outcome.BILATERAL)
