"""Why a vote was refused: domain errors with translated messages and HTTP status codes.

The error handler in app.core.errors turns each into a page or the JSON error shape; the vote view
answers them itself so that its JSON also carries the button's new state (and, for 428, the challenge).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError


class VotingClosed(DomainError):
    """Outside the contest's voting window."""

    status_code = 403
    code = "voting_closed"
    default_message = _l("Voting is not open now.")


class EntryNotVotable(DomainError):
    """The entry is not an accepted entry of this contest (rejected, withdrawn, another contest...)."""

    status_code = 404
    code = "entry_not_votable"
    default_message = _l("This work cannot receive votes.")


class VoterNotVerified(DomainError):
    """The voter has not confirmed their email address."""

    status_code = 403
    code = "voter_not_verified"
    default_message = _l("Confirm your email address before you vote.")


class VoterLocked(DomainError):
    """The voter's account is locked or waiting for deletion."""

    status_code = 403
    code = "voter_locked"
    default_message = _l("This account cannot vote. Contact the organisers if you think this is a mistake.")


class OwnEntry(DomainError):
    """Nobody votes for their own work."""

    status_code = 403
    code = "own_entry"
    default_message = _l("You cannot vote for your own work.")


class StaffCannotVote(DomainError):
    """Jury, secretariat and organisers do not vote."""

    status_code = 403
    code = "staff_cannot_vote"
    default_message = _l("Members of the jury and the organisers cannot vote in this contest.")


class QuotaUsed(DomainError):
    """Every slot of today's quota is taken."""

    status_code = 409
    code = "quota_used"
    default_message = _l("You have used today's votes. You can vote again tomorrow.")


class SlotTaken(QuotaUsed):
    """The one slot a proof of work was bound to has been taken meanwhile (a replayed or doubled request)."""

    code = "slot_taken"
    default_message = _l("This vote has already been counted. Reload the page to vote again.")


class ChallengeRequired(DomainError):
    """The vote needs a browser check (proof of work) first; carries the challenge to solve."""

    status_code = 428
    code = "challenge_required"
    default_message = _l("Checking your browser before counting this vote…")

    def __init__(self, challenge: str, bits: int, message=None) -> None:
        super().__init__(message)
        self.challenge = challenge
        self.bits = bits


class ChallengeFailed(DomainError):
    """The proof of work sent is forged, for someone else, or does not have enough zero bits."""

    status_code = 400
    code = "challenge_failed"
    default_message = _l("The browser check did not pass. Reload the page and try again.")


QUOTA_MESSAGES = {
    "per_entry_per_day": _l("You have used today's votes for this work. You can vote for it again tomorrow."),
    "total_per_day": _l("You have used all of today's votes. You can vote again tomorrow."),
}
