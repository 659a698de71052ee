"""What can go wrong in judging, each with a translated message and a status code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError


class RoundNotFound(DomainError):
    """No such round, or not one the caller may see (the two look the same)."""

    status_code = 404
    code = "round_not_found"
    default_message = _l("This round does not exist or is not yours to see.")


class ReviewNotFound(DomainError):
    """The entry is not assigned to this juror in this round (another juror's looks the same)."""

    status_code = 404
    code = "review_not_found"
    default_message = _l("This entry is not assigned to you in this round.")


class RoundNotOpen(DomainError):
    """Scores are taken only while a round is open and inside its dates."""

    status_code = 409
    code = "round_not_open"
    default_message = _l("This round is not open for judging.")


class RoundLocked(DomainError):
    """The round is past the state in which this change is allowed."""

    status_code = 409
    code = "round_locked"
    default_message = _l("This round can no longer be changed in this way.")


class RoundNotReady(DomainError):
    """The round cannot open or close yet; the message says what is missing."""

    status_code = 409
    code = "round_not_ready"


class InvalidScore(DomainError):
    """A score is outside the round's scale, off its step, for an unknown criterion, or incomplete."""

    status_code = 422
    code = "invalid_score"
    default_message = _l("This score is not on the round's scale.")


class ScoresConfirmed(DomainError):
    """The juror confirmed their scores; only the chair can reopen them."""

    status_code = 409
    code = "scores_confirmed"
    default_message = _l("You have confirmed your scores. Ask the jury chair to reopen them to make changes.")


class ChairOnly(DomainError):
    """Only the jury chair or an admin may do this."""

    status_code = 403
    code = "chair_only"
    default_message = _l("Only the jury chair or an administrator can do this.")


class AdvancementRefused(DomainError):
    """The advancement rule is not valid for this round."""

    status_code = 422
    code = "advancement_refused"


class PrizeRefused(DomainError):
    """A prize cannot be given to this entry."""

    status_code = 409
    code = "prize_refused"


class ResultsNotPublished(DomainError):
    """Nothing has been published for this contest yet."""

    status_code = 404
    code = "results_not_published"
    default_message = _l("The results of this contest have not been published yet.")
