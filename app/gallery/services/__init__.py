"""Gallery rules, one module per concern (see the package docstring of app.gallery)."""

from app.gallery.services.visibility import (
    GalleryNotFound,
    PublicEntryNotFound,
    authors_are_public,
    counts_are_public,
    gallery_is_open,
    is_gallery_asset,
    public_entry,
    require_open_gallery,
    voting_has_closed,
    voting_is_open,
)

__all__ = [
    "GalleryNotFound",
    "PublicEntryNotFound",
    "authors_are_public",
    "counts_are_public",
    "gallery_is_open",
    "is_gallery_asset",
    "public_entry",
    "require_open_gallery",
    "voting_has_closed",
    "voting_is_open",
]

# Browsing the public gallery and the display wall's playlist.
from app.gallery.services.browsing import (
    PAGE_SIZE,
    SEARCH_MAX,
    GalleryPage,
    GalleryQuery,
    GallerySort,
    HonourFilter,
    entry_votes,
    fair_key,
    gallery_page,
    wall_entries,
)

__all__ += [
    "PAGE_SIZE",
    "SEARCH_MAX",
    "GalleryPage",
    "GalleryQuery",
    "GallerySort",
    "HonourFilter",
    "entry_votes",
    "fair_key",
    "gallery_page",
    "wall_entries",
]

# Voting: casting votes, the button's state, the proof of work for risky votes, and why votes are refused.
from app.gallery.services.challenge import Proof, cast_vote_with_proof, risk_reason  # noqa: E402
from app.gallery.services.errors import (  # noqa: E402
    ChallengeFailed,
    ChallengeRequired,
    EntryNotVotable,
    OwnEntry,
    QuotaUsed,
    SlotTaken,
    StaffCannotVote,
    VoterLocked,
    VoterNotVerified,
    VotingClosed,
)
from app.gallery.services.voting import CastVote, VoteState, cast_vote, ip_prefix, vote_state, voting_day  # noqa: E402

__all__ += [
    "CastVote",
    "ChallengeFailed",
    "ChallengeRequired",
    "EntryNotVotable",
    "OwnEntry",
    "Proof",
    "QuotaUsed",
    "SlotTaken",
    "StaffCannotVote",
    "VoteState",
    "VoterLocked",
    "VoterNotVerified",
    "VotingClosed",
    "cast_vote",
    "cast_vote_with_proof",
    "ip_prefix",
    "risk_reason",
    "vote_state",
    "voting_day",
]

# Fraud review, voiding and People's Choice (the fraud package, voiding.py, peoples_choice.py).
from app.gallery.services.fraud import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    EntryFlags,
    FraudFlag,
    FraudThresholds,
    Severity,
    contest_flags,
    entry_flags,
    flags_by_vote,
    forget_contest_flags,
    fraud_report,
)
from app.gallery.services.peoples_choice import (  # noqa: E402
    PeoplesChoiceNotReady,
    PeoplesChoiceResult,
    peoples_choice,
    peoples_choice_by_category,
)
from app.gallery.services.voiding import (  # noqa: E402
    SameOrganiser,
    VoidingRefused,
    confirm_voiding,
    propose_voiding,
    reject_voiding,
    revert_voiding,
    voided_votes,
    voidings_of,
)

__all__ += [
    "DEFAULT_THRESHOLDS",
    "EntryFlags",
    "FraudFlag",
    "FraudThresholds",
    "PeoplesChoiceNotReady",
    "PeoplesChoiceResult",
    "SameOrganiser",
    "Severity",
    "VoidingRefused",
    "confirm_voiding",
    "contest_flags",
    "entry_flags",
    "flags_by_vote",
    "forget_contest_flags",
    "fraud_report",
    "peoples_choice",
    "peoples_choice_by_category",
    "propose_voiding",
    "reject_voiding",
    "revert_voiding",
    "voided_votes",
    "voidings_of",
]

# Reach statistics: counting views and share clicks from the request alone, and the figures.
from app.gallery.services.reach import (  # noqa: E402
    Period,
    ReachFigures,
    Visitor,
    chosen_period,
    default_period,
    describe_visitor,
    is_bot,
    reach_csv,
    reach_figures,
    record_reach,
    referrer_host,
    visitor_country,
    visitor_language,
)

__all__ += [
    "Period",
    "ReachFigures",
    "Visitor",
    "chosen_period",
    "default_period",
    "describe_visitor",
    "is_bot",
    "reach_csv",
    "reach_figures",
    "record_reach",
    "referrer_host",
    "visitor_country",
    "visitor_language",
]
