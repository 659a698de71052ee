"""What the juror's pages show and accept, assembled from services so the views stay a few lines each.

Everything here is blind: a juror is shown a review's token, its position in their own presentation
order, the work's title, story, place and captions, and media under /jury/media/<token>/... only.
Never the entrant, the entry's id or code, file names, dates of upload, credits or other jurors' marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.auth.models import Role, User
from app.contest.models import StaffMembership, StaffRole
from app.core.errors import ValidationFailed
from app.core.i18n import current_locale, localized
from app.core.timeutil import utcnow
from app.entries.models import EntryFile
from app.entries.places import unit_name
from app.extensions import db
from app.jury import services
from app.jury.labels import ROUND_STATUS_LABELS, VERDICT_LABELS
from app.jury.models import CommentMode, JuryRound, Review, RoundJuror, RoundKind, RoundStatus, Verdict
from app.jury.services import InvalidScore, ReviewInput, ReviewNotFound, RoundNotFound, RoundNotOpen
from app.jury.services.scoring import check_open_for_judging
from app.media.models import MediaKind, ProcessingState, StoredFile

# The web copies a juror may receive (all metadata-free), largest photo last.
PHOTO_COPIES = ("w480.webp", "w1280.webp", "w2560.jpg")
VIDEO_COPIES = ("720p.mp4", "poster.jpg")
JURY_COPIES = frozenset(PHOTO_COPIES + VIDEO_COPIES)
# Scales with at most this many values get one touch button per value; longer ones a number field.
MAX_SCORE_BUTTONS = 21
VISIBLE_STATUSES = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.FINALISED)


# ---------------------------------------------------------------------------- the juror's rounds


@dataclass(frozen=True)
class RoundRow:
    """One round on the juror's list, with their progress in it."""

    round: JuryRound
    done: int
    total: int
    is_confirmed: bool

    @property
    def status_label(self) -> str:
        """The round's status in the reader's language."""
        return str(ROUND_STATUS_LABELS[self.round.status.value])


def is_juror(user: User) -> bool:
    """Whether the user judges anything: the juror role or a seat on some contest's jury."""
    if user.has_role(Role.JUROR):
        return True
    query = select(StaffMembership.id).where(StaffMembership.user_id == user.id, StaffMembership.role == StaffRole.JURY)
    return db.session.scalar(query.limit(1)) is not None


def juror_rounds(user: User) -> list[RoundRow]:
    """The assigned rounds where the user holds an active seat on a contest's jury, with their progress."""
    rounds = db.session.execute(
        select(JuryRound, RoundJuror.confirmed_at)
        .join(RoundJuror, RoundJuror.round_id == JuryRound.id)
        .join(
            StaffMembership,
            (StaffMembership.contest_id == JuryRound.contest_id)
            & (StaffMembership.user_id == user.id)
            & (StaffMembership.role == StaffRole.JURY),
        )
        .where(
            RoundJuror.user_id == user.id,
            RoundJuror.dropped_out_at.is_(None),
            JuryRound.assigned_at.is_not(None),
            JuryRound.status.in_(VISIBLE_STATUSES),
        )
        .order_by(JuryRound.contest_id, JuryRound.category_id, JuryRound.position)
    ).all()
    progress = {
        round_id: (done, total)
        for round_id, done, total in db.session.execute(
            select(Review.round_id, func.count(Review.completed_at), func.count(Review.id))
            .where(Review.juror_id == user.id, Review.removed_at.is_(None))
            .group_by(Review.round_id)
        )
    }
    return [
        RoundRow(round_, *progress.get(round_.id, (0, 0)), is_confirmed=confirmed_at is not None)
        for round_, confirmed_at in rounds
    ]


# ---------------------------------------------------------------------------- the scoring screen


@dataclass(frozen=True)
class Slot:
    """One of the juror's active reviews, as the navigation needs it."""

    position: int
    token: str
    is_complete: bool


def slots(round_: JuryRound, juror: User) -> list[Slot]:
    """The juror's active reviews in their presentation order."""
    rows = db.session.execute(
        select(Review.position, Review.token, Review.completed_at)
        .where(Review.round_id == round_.id, Review.juror_id == juror.id, Review.removed_at.is_(None))
        .order_by(Review.position)
    )
    return [Slot(position, token, completed_at is not None) for position, token, completed_at in rows]


def first_unscored_position(round_: JuryRound, juror: User) -> int | None:
    """Where the screen starts: the first entry without the juror's marks (else the first; None if none)."""
    all_slots = slots(round_, juror)
    unscored = [slot for slot in all_slots if not slot.is_complete]
    chosen = (unscored or all_slots)[:1]
    return chosen[0].position if chosen else None


def review_at(round_: JuryRound, juror: User, position: int) -> Review:
    """The juror's active review at this place of their order; ReviewNotFound otherwise."""
    review = db.session.scalar(
        select(Review).where(
            Review.round_id == round_.id,
            Review.juror_id == juror.id,
            Review.position == position,
            Review.removed_at.is_(None),
        )
    )
    if review is None:
        raise ReviewNotFound()
    return review


def accepts_scores(round_: JuryRound, seat: RoundJuror, now: datetime | None = None) -> bool:
    """Whether the juror may still change marks: the round is open and they have not confirmed."""
    try:
        check_open_for_judging(round_, now or utcnow())
    except RoundNotOpen:
        return False
    return seat.confirmed_at is None


def read_only_reason(round_: JuryRound, seat: RoundJuror) -> str | None:
    """Why the screen cannot be changed, or None when it can."""
    if seat.confirmed_at is not None:
        return str(_l("You have confirmed your scores. Only the jury chair can reopen them for changes."))
    if not accepts_scores(round_, seat):
        if round_.status is RoundStatus.OPEN:
            return str(_l("This round is not open for judging at the moment."))
        return str(_l("This round is closed: scores can no longer be changed."))
    return None


def screen_url(round_: JuryRound, position: int, only_unscored: bool) -> str:
    """The scoring screen at a position, keeping the "only unscored" filter."""
    extra = {"unscored": 1} if only_unscored else {}
    return url_for("jury.review_screen", round_id=round_.id, position=position, **extra)


def neighbours(all_slots: list[Slot], position: int, only_unscored: bool) -> tuple[int | None, int | None, int | None]:
    """The previous and next positions (among unscored ones with the filter) and the next unscored one."""
    shown = [s.position for s in all_slots if s.position == position or not (only_unscored and s.is_complete)]
    index = shown.index(position) if position in shown else None
    previous = shown[index - 1] if index else None
    following = shown[index + 1] if index is not None and index + 1 < len(shown) else None
    unscored = [s.position for s in all_slots if not s.is_complete and s.position != position]
    next_unscored = next((p for p in unscored if p > position), unscored[0] if unscored else None)
    return previous, following, next_unscored


def screen_context(round_: JuryRound, seat: RoundJuror, review: Review, only_unscored: bool) -> dict:
    """Everything the scoring screen shows for one review."""
    all_slots = slots(round_, seat.user)
    previous, following, next_unscored = neighbours(all_slots, review.position, only_unscored)
    done = sum(slot.is_complete for slot in all_slots)
    reason = read_only_reason(round_, seat)
    return {
        "round": round_,
        "review": review,
        "work": work_shown(review),
        "criteria": criteria_shown(round_, review),
        "verdicts": verdict_choices(round_),
        "verdict": review.verdict.value if review.verdict else None,
        "done": done,
        "total": len(all_slots),
        "only_unscored": only_unscored,
        "previous_url": screen_url(round_, previous, only_unscored) if previous else None,
        "next_url": screen_url(round_, following, only_unscored) if following else None,
        "next_unscored_url": screen_url(round_, next_unscored, only_unscored) if next_unscored else None,
        "filter_url": screen_url(round_, review.position, not only_unscored),
        "save_url": url_for("jury.review_api", round_id=round_.id, token=review.token),
        "form_url": screen_url(round_, review.position, only_unscored),
        "conflict_url": url_for("jury.declare_conflict", round_id=round_.id, token=review.token),
        "confirm_url": url_for("jury.confirm", round_id=round_.id),
        "is_editable": reason is None,
        "read_only_reason": reason,
        "may_declare_conflict": round_.status is RoundStatus.OPEN,
        "comment_mode": round_.comment_mode.value if round_.kind is RoundKind.SCORING else CommentMode.PER_ENTRY.value,
    }


def work_shown(review: Review) -> dict:
    """The entry as a juror sees it: title, story, place and its files in order with captions."""
    entry, locale = review.entry, current_locale()
    place = ", ".join(part for part in (entry.place, unit_name(entry.place_unit, locale)) if part)
    return {
        "title": localized(entry, "title"),
        "story": entry.story,
        "place": place,
        "files": [shown for f in entry.files if (shown := _file_shown(review, f)) is not None],
    }


def _file_shown(review: Review, entry_file: EntryFile) -> dict | None:
    asset = entry_file.asset
    if asset.state != ProcessingState.READY:
        return None
    caption = localized(entry_file, "caption")

    def copy(name: str) -> dict | None:
        made = asset.derivative(name)
        if made is None:
            return None
        url = url_for("jury.review_media", token=review.token, file_position=entry_file.position, name=name)
        return {"url": url, "width": made.width, "height": made.height}

    if asset.kind is MediaKind.VIDEO:
        video, poster = copy("720p.mp4"), copy("poster.jpg")
        return {"kind": "video", "video": video, "poster": poster, "caption": caption} if video else None
    copies = [made for name in PHOTO_COPIES if (made := copy(name)) is not None]
    if not copies:
        return None
    srcset = ", ".join(f"{c['url']} {c['width']}w" for c in copies)
    return {"kind": "photo", "image": copies[-1], "srcset": srcset, "caption": caption}


def scale_values(round_: JuryRound) -> list[str] | None:
    """Every value of the round's scale as text ("0", "0.5", … "10"), or None when too many for buttons."""
    count = round((round_.scale_max - round_.scale_min) / round_.scale_step)
    if count + 1 > MAX_SCORE_BUTTONS:
        return None
    return [f"{round(round_.scale_min + i * round_.scale_step, 6):g}" for i in range(count + 1)]


def criteria_shown(round_: JuryRound, review: Review) -> list[dict]:
    """The round's criteria with this juror's own score and comment on each."""
    if round_.kind is not RoundKind.SCORING:
        return []
    given = {score.criterion_id: score for score in review.scores}
    values = scale_values(round_)
    rows = []
    for criterion in round_.criteria:
        score = given.get(criterion.id)
        rows.append(
            {
                "id": criterion.id,
                "name": localized(criterion, "name"),
                "description": localized(criterion, "description"),
                "value": f"{score.value:g}" if score else "",
                "comment": score.comment if score else "",
                "choices": values,
            }
        )
    return rows


def verdict_choices(round_: JuryRound) -> list[dict]:
    """The verdict buttons of a selection round, with their keyboard keys."""
    if round_.kind is not RoundKind.SELECTION:
        return []
    keys = {"yes": "y", "no": "n", "maybe": "m"}
    offered = [Verdict.YES, Verdict.NO, *([Verdict.MAYBE] if round_.allows_maybe else [])]
    return [{"value": v.value, "label": str(VERDICT_LABELS[v.value]), "key": keys[v.value]} for v in offered]


def review_state(round_: JuryRound, seat: RoundJuror, review: Review) -> dict:
    """The juror's own review as the autosave API returns it (nothing of the entrant or other jurors)."""
    all_slots = slots(round_, seat.user)
    return {
        "token": review.token,
        "position": review.position,
        "complete": review.completed_at is not None,
        "verdict": review.verdict.value if review.verdict else None,
        "scores": {str(s.criterion_id): s.value for s in sorted(review.scores, key=lambda s: s.criterion_id)},
        "criterion_comments": {str(s.criterion_id): s.comment for s in review.scores if s.comment},
        "comment": review.comment,
        "editable": read_only_reason(round_, seat) is None,
        "progress": {"done": sum(slot.is_complete for slot in all_slots), "total": len(all_slots)},
    }


def confirm_context(round_: JuryRound, seat: RoundJuror) -> dict:
    """The confirm page: progress, what is missing, and whether confirming is possible now."""
    all_slots = slots(round_, seat.user)
    done = sum(slot.is_complete for slot in all_slots)
    first_missing = next((slot.position for slot in all_slots if not slot.is_complete), None)
    return {
        "round": round_,
        "done": done,
        "total": len(all_slots),
        "is_confirmed": seat.confirmed_at is not None,
        "read_only_reason": read_only_reason(round_, seat),
        "may_confirm": read_only_reason(round_, seat) is None and bool(all_slots) and done == len(all_slots),
        "missing_url": screen_url(round_, first_missing, True) if first_missing else None,
        "screen_url": url_for("jury.round_screen", round_id=round_.id),
    }


def after_save_url(round_: JuryRound, juror: User, review: Review, form: MultiDict, only_unscored: bool) -> str:
    """Where the no-script form goes after saving: the next entry after "save and next" or a verdict button
    (the confirm page after the last), else the same entry."""
    if form.get("go", "next" if form.get("verdict") else "stay") != "next":
        return screen_url(round_, review.position, only_unscored)
    _previous, following, _unscored = neighbours(slots(round_, juror), review.position, only_unscored)
    if following is None:
        return url_for("jury.confirm", round_id=round_.id)
    return screen_url(round_, following, only_unscored)


# ---------------------------------------------------------------------------- input


def review_input_from_json(data) -> ReviewInput:
    """A ReviewInput from the autosave JSON; ValidationFailed when its shape is wrong."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_schema": [_l("The request body must be a JSON object.")]})
    scores = _id_keyed(data.get("scores", {}), "scores", lambda v: v is None or _is_number(v))
    comments = _id_keyed(data.get("criterion_comments", {}), "criterion_comments", lambda v: isinstance(v, str))
    comment = data.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed({"comment": [_l("Enter text.")]})
    verdict = data.get("verdict")
    if verdict is not None and verdict not in {v.value for v in Verdict}:
        raise ValidationFailed({"verdict": [_l("Choose yes, no or maybe.")]})
    return ReviewInput(
        scores=scores,
        criterion_comments=comments,
        comment=comment,
        verdict=Verdict(verdict) if verdict else None,
        clear_verdict="verdict" in data and verdict is None,
    )


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _id_keyed(mapping, field: str, valid) -> dict:
    if not isinstance(mapping, dict):
        raise ValidationFailed({field: [_l("The request body must be a JSON object.")]})
    result = {}
    for key, value in mapping.items():
        if not str(key).isdigit() or not valid(value):
            raise ValidationFailed({field: [_l("Some of the information sent is not valid.")]})
        result[int(key)] = value
    return result


def review_input_from_form(round_: JuryRound, form: MultiDict) -> ReviewInput:
    """A ReviewInput from the no-script form: score-<id>, comment-<id>, comment and a verdict button."""
    scores: dict[int, float | None] = {}
    comments: dict[int, str] = {}
    for criterion in round_.criteria if round_.kind is RoundKind.SCORING else ():
        name = f"score-{criterion.id}"
        if name in form:
            scores[criterion.id] = _form_number(form[name])
        text = form.get(f"comment-{criterion.id}")
        if text is not None and scores.get(criterion.id) is not None:
            comments[criterion.id] = text
    verdict = form.get("verdict") or None
    if verdict is not None and verdict not in {v.value for v in Verdict}:
        raise InvalidScore(_l("Choose yes, no or maybe."))
    return ReviewInput(
        scores=scores,
        criterion_comments=comments,
        comment=form.get("comment"),
        verdict=Verdict(verdict) if verdict else None,
    )


def _form_number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidScore() from None


# ---------------------------------------------------------------------------- media


def blind_media_file(juror: User, token: str, file_position: int, name: str) -> StoredFile | None:
    """The web copy a juror may fetch for their active review, or None (the view answers 404)."""
    if name not in JURY_COPIES:
        return None
    review = db.session.scalar(
        select(Review).where(Review.token == token, Review.juror_id == juror.id, Review.removed_at.is_(None))
    )
    if review is None:
        return None
    try:
        services.require_round_juror(review.round, juror)
    except RoundNotFound:
        return None
    entry_file = next((f for f in review.entry.files if f.position == file_position), None)
    if entry_file is None or entry_file.asset.state != ProcessingState.READY:
        return None
    made = entry_file.asset.derivative(name)
    return made.file if made is not None else None
