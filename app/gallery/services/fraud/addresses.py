"""Shared addresses: many accounts voting for one entry from one IP address or one network."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from app.contest.models import Contest
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.fraud.flags import (
    DEFAULT_THRESHOLDS,
    EntryIds,
    FraudFlag,
    FraudThresholds,
    Severity,
    ids_of,
    valid,
    votes_of,
)


def shared_address_flags(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, *, entry_ids: EntryIds = None
) -> list[FraudFlag]:
    """Many accounts voting for the same entry from one IP address, or from one /24 (/48) network.

    Counted per entry, so restricting to entry_ids only narrows the scan.
    """
    return _same_ip_flags(contest, t, entry_ids) + _same_network_flags(contest, t, entry_ids)


def _shared(contest: Contest, address, minimum: int, entry_ids: EntryIds):
    """The addresses at least `minimum` accounts voted from, for any entry: the only ones where that many can
    have voted for one entry. The distinct (address, voter) pairs are few next to the votes and the database
    hashes them, so the costly per-entry distinct counts below run on the votes of these addresses only."""
    pairs = (
        select(address.label("address"), Vote.voter_id)
        .where(valid(contest, entry_ids), address != "")
        .group_by(address, Vote.voter_id)
        .subquery()
    )
    return select(pairs.c.address).group_by(pairs.c.address).having(func.count() >= minimum)


def _same_ip_flags(contest: Contest, t: FraudThresholds, entry_ids: EntryIds) -> list[FraudFlag]:
    flags = []
    same_ip = db.session.execute(
        select(Vote.entry_id, Vote.ip, func.count(distinct(Vote.voter_id)))
        .where(valid(contest, entry_ids), Vote.ip.in_(_shared(contest, Vote.ip, t.ip_min_voters, entry_ids)))
        .group_by(Vote.entry_id, Vote.ip)
        .having(func.count(distinct(Vote.voter_id)) >= t.ip_min_voters)
    ).all()
    for entry_id, ip, voter_count in same_ip:
        votes, voters = ids_of(votes_of(contest, Vote.entry_id == entry_id, Vote.ip == ip))
        flags.append(
            FraudFlag(
                "same_ip",
                Severity.HIGH if voter_count >= 2 * t.ip_min_voters else Severity.MEDIUM,
                _l(
                    "%(voters)d different accounts voted for this entry from the same IP address %(ip)s "
                    "(%(votes)d votes).",
                    voters=voter_count,
                    ip=ip,
                    votes=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"voters": voter_count, "ip": ip},
            )
        )
    return flags


def _same_network_flags(contest: Contest, t: FraudThresholds, entry_ids: EntryIds) -> list[FraudFlag]:
    flags = []
    same_net = db.session.execute(
        select(Vote.entry_id, Vote.ip_prefix, func.count(distinct(Vote.voter_id)), func.count(distinct(Vote.ip)))
        .where(
            valid(contest, entry_ids),
            Vote.ip_prefix.in_(_shared(contest, Vote.ip_prefix, t.subnet_min_voters, entry_ids)),
        )
        .group_by(Vote.entry_id, Vote.ip_prefix)
        .having(func.count(distinct(Vote.voter_id)) >= t.subnet_min_voters, func.count(distinct(Vote.ip)) >= 2)
    ).all()
    for entry_id, prefix, voter_count, ip_count in same_net:
        votes, voters = ids_of(votes_of(contest, Vote.entry_id == entry_id, Vote.ip_prefix == prefix))
        flags.append(
            FraudFlag(
                "same_subnet",
                Severity.MEDIUM if voter_count >= 2 * t.subnet_min_voters else Severity.LOW,
                _l(
                    "%(voters)d different accounts voted for this entry from %(ips)d addresses of the same network "
                    "%(prefix)s (%(votes)d votes).",
                    voters=voter_count,
                    ips=ip_count,
                    prefix=prefix,
                    votes=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"voters": voter_count, "addresses": ip_count, "prefix": prefix},
            )
        )
    return flags
