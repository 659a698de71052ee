"""Jury rows: rounds with their criteria, jurors and entries; reviews (an assignment with its
scores); conflicts of interest; prize awards; and published results with their hash.

  round        JuryRound, RoundKind, RoundStatus, CommentMode, Criterion, RoundJuror, RoundEntry
  review       Review (one juror × entry × round: the assignment, verdict and comment), Score, Verdict
  conflict     Conflict (a juror may not judge an entry or an entrant's entries)
  results      PrizeAward, ResultsPublication
"""

from app.jury.models.conflict import Conflict, ConflictSource
from app.jury.models.results import PrizeAward, ResultsPublication
from app.jury.models.review import Review, Score, Verdict
from app.jury.models.round import (
    AdvanceMethod,
    AssignmentMode,
    CommentMode,
    Criterion,
    JuryRound,
    RoundEntry,
    RoundJuror,
    RoundKind,
    RoundStatus,
)

__all__ = [
    "AdvanceMethod",
    "AssignmentMode",
    "CommentMode",
    "Conflict",
    "ConflictSource",
    "Criterion",
    "JuryRound",
    "PrizeAward",
    "ResultsPublication",
    "Review",
    "RoundEntry",
    "RoundJuror",
    "RoundKind",
    "RoundStatus",
    "Score",
    "Verdict",
]
