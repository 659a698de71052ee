"""What can go wrong when entering the contest, each with a translated message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError


class EntryNotFound(DomainError):
    """No entry with this code belongs to the caller (another entrant's looks the same)."""

    status_code = 404
    code = "entry_not_found"
    default_message = _l("This entry does not exist or is not yours.")


class SubmissionsNotOpen(DomainError):
    """The contest does not take entries yet."""

    status_code = 403
    code = "submissions_not_open"
    default_message = _l("Submissions for this contest have not opened yet.")


class SubmissionsClosed(DomainError):
    """The deadline has passed: nothing can be entered, changed or withdrawn."""

    status_code = 403
    code = "submissions_closed"
    default_message = _l("Submissions for this contest have closed. Entries can no longer be added or changed.")


class EmailNotVerified(DomainError):
    """Only entrants with a confirmed email address may enter."""

    status_code = 403
    code = "email_not_verified"
    default_message = _l("Confirm your email address before entering the contest.")


class TooYoung(DomainError):
    """The entrant is younger than the contest's minimum age on the day of entering."""

    status_code = 403
    code = "too_young"

    def __init__(self, min_age: int) -> None:
        super().__init__(_l("Entrants must be at least %(age)d years old on the day they enter.", age=min_age))


class StaffCannotEnter(DomainError):
    """Jury and secretariat members may not enter the contest they run."""

    status_code = 403
    code = "staff_cannot_enter"
    default_message = _l("Members of this contest's jury and secretariat may not enter it.")


class EntryLimitReached(DomainError):
    """The category allows only so many entries per entrant."""

    status_code = 409
    code = "entry_limit_reached"

    def __init__(self, limit: int) -> None:
        super().__init__(
            _l("You have reached this category's limit of %(limit)d entries per person.", limit=limit)
        )


class KindNotAccepted(DomainError):
    """The category does not take this kind of work."""

    status_code = 422
    code = "kind_not_accepted"
    default_message = _l("This category does not take this kind of work.")


class EntryLocked(DomainError):
    """The entry can no longer be changed by its entrant (withdrawn, or decided on)."""

    status_code = 409
    code = "entry_locked"
    default_message = _l("This entry can no longer be changed.")
