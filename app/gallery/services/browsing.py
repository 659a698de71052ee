"""Browsing the public gallery: filters, sorts, search and keyset pages over accepted entries.

Pages have a fixed size and are walked by a cursor (the last card's sort key and id), so page 500 costs
what page 1 costs. Vote counts take part only when they are public: otherwise the query neither joins
them nor sorts by them, so nothing about them can leak through the order or the size of a page.

The fair order gives every entry the same chance of a visitor's first page, and keeps one visitor's
order stable. It walks a "deck": the gallery's entry ids sorted by a keyed hash (below), computed
once and kept in memory for GALLERY_ORDER_CACHE_SECONDS, so a page of the fair order costs one query
by primary key, however many entries and however deep the page (sorting 20,000 rows by a hash on
every first visit cost more than the rest of the page). A visitor's seed picks a start and a stride
coprime with the deck's size n: step s of their walk shows the card at (start + s·stride) mod n, so
the walk passes every card once, strides make different visitors' orders differ (not only where
they begin), and with a uniform start each entry lands on the first page with probability exactly
PAGE_SIZE / n. The page query re-applies every filter (an entry rejected since the deck was built
drops out). A text search sorts its (fewer) matches by the hash directly, with a keyset cursor like
the other orders.

The hash: an entry's key is x² mod P with x = (a·id + b) mod P, P = 2^31 - 1 prime, a and b drawn from
the deck's seed. For a random seed, x is uniform and pairwise independent across entries; squaring
breaks the regular stride an affine map alone would show (entries entered one after another would
keep a fixed spacing). Four arithmetic operations per row, the same in SQLite and PostgreSQL, and
ties (x and P - x) are broken by id.
"""

from __future__ import annotations

import enum
import hashlib
import math
import threading
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import BigInteger, Select, and_, func, literal, or_, select
from sqlalchemy.orm import lazyload

from app.contest.models import Contest
from app.core.search import escape_like, fold_for_search
from app.entries.models import Entry, EntryFile, EntryHonour, EntryKind, EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount
from app.gallery.services.visibility import authors_are_public, counts_are_public
from app.media.models import Derivative, MediaAsset, ProcessingState

PAGE_SIZE = 24
SEARCH_MAX = 100
CARD_DERIVATIVES = ("w480.webp", "w1280.webp", "poster.jpg")
WALL_MAX = 300  # slides on the display wall; a long loop is no better on a public screen
DECKS_KEPT = 64  # decks in memory per process (LRU), one per filter combination; 160 kB at 20,000 entries
_P = 2_147_483_647  # a prime (2^31 - 1) above every entry id


class GallerySort(enum.StrEnum):
    """How the gallery orders its cards."""

    FAIR = "fair"  # a shuffle stable for one visitor, different for the next
    NEWEST = "newest"
    MOST_VOTED = "votes"  # only while counts are public


class HonourFilter(enum.StrEnum):
    """Finalists (the final round, winners included) or winners only, from the published results."""

    FINALISTS = "finalists"
    WINNERS = "winners"


@dataclass(frozen=True)
class GalleryQuery:
    """What the visitor asked for, already validated: unknown values were dropped, not refused."""

    category_id: int | None = None
    kind: EntryKind | None = None
    honour: HonourFilter | None = None
    text: str = ""
    sort: GallerySort = GallerySort.FAIR
    after: tuple[int, ...] | None = None  # the cursor: (sort key, id) of the last card shown (fair: see _resume)


@dataclass(frozen=True)
class Card:
    """What one card of the grid shows: plain values, the author and votes None while they are hidden."""

    id: int
    code: str
    title_vi: str
    title_en: str
    credit_name: str | None
    honour: EntryHonour | None
    votes: int | None
    asset_id: str | None
    placeholder: str
    thumbnails: tuple[tuple[str, int, int], ...]  # (derivative name, width, height), smallest first


@dataclass(frozen=True)
class GalleryPage:
    """One page of cards; next_cursor is None on the last page."""

    cards: list[Card]
    next_cursor: str | None
    shows_counts: bool
    shows_authors: bool


def seed_multipliers(seed: str) -> tuple[int, int]:
    """Two numbers from the visitor's seed: a multiplier in [1, P) and an offset in [0, P)."""
    digest = hashlib.blake2b(seed.encode(), digest_size=8).digest()
    a = int.from_bytes(digest[0:4], "big") % (_P - 1) + 1
    b = int.from_bytes(digest[4:8], "big") % _P
    return a, b


def fair_key(entry_id: int, seed: str) -> int:
    """An entry's place in the visitor's shuffle (the same arithmetic as fair_key_sql, in Python)."""
    a, b = seed_multipliers(seed)
    x = (entry_id * a + b) % _P
    return x * x % _P


def fair_key_sql(seed: str):
    """fair_key as a SQL expression over Entry.id; every product stays below 2^62."""
    a, b = seed_multipliers(seed)
    # integer * bigint is bigint in PostgreSQL; SQLite's integers are 64-bit anyway.
    x = (Entry.id * literal(a, BigInteger) + literal(b, BigInteger)) % literal(_P, BigInteger)
    return (x * x) % literal(_P, BigInteger)


def parse_cursor(text: str | None) -> tuple[int, ...] | None:
    """"<key>.<id>" (or the fair walk's "<step>.<id>.<first id>") as integers, or None for anything else
    (a bad cursor just starts over)."""
    parts = (text or "").split(".")
    if len(parts) not in (2, 3) or len(text) > 60:
        return None
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        return None


def filter_public_entries(statement: Select, contest: Contest, query: GalleryQuery, now: datetime) -> Select:
    """The statement limited to accepted entries of the contest matching the filters and the search."""
    statement = statement.where(Entry.contest_id == contest.id, Entry.status == EntryStatus.ACCEPTED)
    if query.category_id is not None:
        statement = statement.where(Entry.category_id == query.category_id)
    if query.kind is not None:
        statement = statement.where(Entry.kind == query.kind)
    if query.honour is HonourFilter.WINNERS:
        statement = statement.where(Entry.honour == EntryHonour.PRIZE)
    elif query.honour is HonourFilter.FINALISTS:
        statement = statement.where(Entry.honour.in_((EntryHonour.FINALIST, EntryHonour.PRIZE)))
    needle = fold_for_search(query.text[:SEARCH_MAX])
    if needle:
        pattern = f"%{escape_like(needle)}%"
        matches = [Entry.search_text.like(pattern, escape="\\")]
        if authors_are_public(contest, now):
            matches.append(Entry.author_search.like(pattern, escape="\\"))
        statement = statement.where(or_(*matches))
    return statement


def _after(key, cursor: tuple[int, int], descending: bool):
    """Rows strictly after the cursor in (key, id) order, ascending or descending."""
    last_key, last_id = cursor
    if key is Entry.id:  # "newest": the key is the id, so a plain range the primary key serves
        return Entry.id < last_id if descending else Entry.id > last_id
    if descending:
        return or_(key < last_key, and_(key == last_key, Entry.id < last_id))
    return or_(key > last_key, and_(key == last_key, Entry.id > last_id))


def _sort_key(sort: GallerySort, seed: str):
    """The sort expression and whether it runs descending."""
    if sort is GallerySort.NEWEST:
        return Entry.id, True
    if sort is GallerySort.MOST_VOTED:
        return func.coalesce(EntryVoteCount.valid_votes, 0), True
    return fair_key_sql(seed), False


def gallery_page(contest: Contest, query: GalleryQuery, seed: str, now: datetime) -> GalleryPage:
    """One page of the gallery: PAGE_SIZE cards after the cursor, with vote counts and authors only if public.

    One query whatever the page: the cards (plain columns, the first file's asset and its card-sized web
    copies joined). The fair order without a search reads its page from a deck in memory.
    """
    show_counts = counts_are_public(contest, now)
    sort = query.sort if show_counts or query.sort is not GallerySort.MOST_VOTED else GallerySort.FAIR
    if sort is GallerySort.FAIR and not fold_for_search(query.text[:SEARCH_MAX]):
        return _fair_page(contest, query, seed, now)
    key, descending = _sort_key(sort, seed)
    votes = func.coalesce(EntryVoteCount.valid_votes, 0) if show_counts else literal(0)
    sort_key = key.label("sort_key")
    ranked = select(Entry.id.label("entry_id"), sort_key, votes.label("votes")).select_from(Entry)
    if show_counts:
        ranked = ranked.outerjoin(EntryVoteCount, EntryVoteCount.entry_id == Entry.id)
    ranked = filter_public_entries(ranked, contest, query, now)
    if query.after is not None and len(query.after) == 2:
        ranked = ranked.where(_after(key, query.after, descending))
    order = (sort_key.desc(), Entry.id.desc()) if descending else (sort_key, Entry.id)
    page = ranked.order_by(*order).limit(PAGE_SIZE + 1).subquery()
    # Rank first, then fetch the page's few rows with their first file: joins never touch the whole list.
    statement = _card_columns(page.c.sort_key, page.c.votes).join(page, page.c.entry_id == Entry.id)
    outer_order = (page.c.sort_key.desc(), Entry.id.desc()) if descending else (page.c.sort_key, Entry.id)
    rows = list(_by_card(db.session.execute(statement.order_by(*outer_order))).values())
    shown = rows[:PAGE_SIZE]
    next_cursor = f"{shown[-1][0].sort_key}.{shown[-1][0].id}" if len(rows) > PAGE_SIZE else None
    return _page_of(contest, shown, next_cursor, now)


def _card_columns(*extra):
    """SELECT what a card shows, with the entry's first file, its asset and, when it is ready, its card-sized
    web copies (a row per copy: the thumbnails come in the same query), plus `extra` columns."""
    return (
        select(Entry.id, Entry.code, Entry.title_vi, Entry.title_en, Entry.credit_name, Entry.honour)
        .add_columns(*extra, EntryFile.asset_id, MediaAsset.placeholder)
        .add_columns(Derivative.name.label("thumb"), Derivative.width, Derivative.height)
        .outerjoin(EntryFile, and_(EntryFile.entry_id == Entry.id, EntryFile.position == 1))
        .outerjoin(MediaAsset, MediaAsset.id == EntryFile.asset_id)
        .outerjoin(
            Derivative,
            and_(
                Derivative.asset_id == MediaAsset.id,
                MediaAsset.state == ProcessingState.READY,
                Derivative.name.in_(CARD_DERIVATIVES),
            ),
        )
    )


def _by_card(rows) -> dict[int, tuple]:
    """Rows of _card_columns folded per entry, in order: (first row, its thumbnails smallest first)."""
    cards: dict[int, tuple] = {}
    for row in rows:
        if row.id not in cards:
            cards[row.id] = (row, [])
        if row.thumb is not None:
            cards[row.id][1].append((row.thumb, row.width, row.height))
    return {entry_id: (row, tuple(sorted(thumbs, key=lambda t: t[1]))) for entry_id, (row, thumbs) in cards.items()}


def _page_of(contest: Contest, rows: list[tuple], next_cursor: str | None, now: datetime) -> GalleryPage:
    """The page for these cards (already in order): (card row, thumbnails) pairs from _by_card."""
    show_counts, show_authors = counts_are_public(contest, now), authors_are_public(contest, now)
    cards = [
        Card(
            id=row.id,
            code=row.code,
            title_vi=row.title_vi,
            title_en=row.title_en,
            credit_name=row.credit_name if show_authors else None,
            honour=row.honour,
            votes=row.votes if show_counts else None,
            asset_id=row.asset_id,
            placeholder=row.placeholder or "",
            thumbnails=thumbnails,
        )
        for row, thumbnails in rows
    ]
    return GalleryPage(cards=cards, next_cursor=next_cursor, shows_counts=show_counts, shows_authors=show_authors)


# ---------------------------------------------------------------------------- the fair order's decks


@dataclass(frozen=True)
class Deck:
    """The gallery's entry ids in hash order, and when they were read (time.monotonic)."""

    ids: array
    built_at: float


@dataclass(frozen=True)
class Walk:
    """A visitor's way through a deck of `size` cards: step s shows the card at (start + s·stride) mod size."""

    size: int
    start: int
    stride: int

    @classmethod
    def for_seed(cls, seed: str, size: int) -> Walk:
        """A uniform start and a stride coprime with the size, both from the visitor's seed."""
        digest = hashlib.blake2b(f"walk:{seed}".encode(), digest_size=16).digest()
        start = int.from_bytes(digest[:8], "big") % max(size, 1)
        stride = 1
        if size > 3:
            stride = 2 + int.from_bytes(digest[8:], "big") % (size - 3)  # 2 .. size-2: not a plain rotation
            while math.gcd(stride, size) != 1:
                stride += 1
        return cls(size, start, stride)

    def index(self, step: int) -> int:
        return (self.start + step * self.stride) % self.size

    def step_of(self, index: int) -> int:
        """The step at which the walk shows the card at `index`."""
        return (index - self.start) * pow(self.stride, -1, self.size) % self.size


def _deck_cache(app) -> tuple[OrderedDict, threading.Lock]:
    cache = app.extensions.get("gallery_decks")
    if cache is None:
        cache = app.extensions.setdefault("gallery_decks", (OrderedDict(), threading.Lock()))
    return cache


def fair_deck(contest: Contest, query: GalleryQuery, now: datetime) -> Deck:
    """The deck of the entries matching the query's filters: from memory if read in the last
    GALLERY_ORDER_CACHE_SECONDS, else sorted by the contest's hash in SQL (ids only) and kept."""
    app = current_app._get_current_object()
    decks, lock = _deck_cache(app)
    key = (contest.id, query.category_id, query.kind, query.honour)
    deck = decks.get(key)
    if deck is not None and time.monotonic() - deck.built_at < app.config["GALLERY_ORDER_CACHE_SECONDS"]:
        return deck
    ordered = filter_public_entries(select(Entry.id), contest, query, now)
    ordered = ordered.order_by(fair_key_sql(f"deck:{contest.id}"), Entry.id)
    deck = Deck(array("q", db.session.scalars(ordered)), time.monotonic())
    with lock:
        decks[key] = deck
        decks.move_to_end(key)
        while len(decks) > DECKS_KEPT:
            decks.popitem(last=False)
    return deck


def _fair_page(contest: Contest, query: GalleryQuery, seed: str, now: datetime) -> GalleryPage:
    """The visitor's next PAGE_SIZE cards of their walk through the deck."""
    deck = fair_deck(contest, query, now)
    walk = Walk.for_seed(seed, len(deck.ids))
    start, first = _resume(deck, walk, query.after)
    walk = Walk(walk.size, start, walk.stride)
    last = min(first + PAGE_SIZE, walk.size)  # exclusive
    wanted = [deck.ids[walk.index(step)] for step in range(first, last)]
    rows = _card_rows_by_id(contest, query, wanted, now)
    next_cursor = f"{last - 1}.{wanted[-1]}.{deck.ids[start]}" if wanted and last < walk.size else None
    return _page_of(contest, [rows[entry_id] for entry_id in wanted if entry_id in rows], next_cursor, now)


def _card_rows_by_id(contest: Contest, query: GalleryQuery, ids: list[int], now: datetime) -> dict[int, tuple]:
    """The cards (see _by_card) of these entries that still match every filter (a deck may be a minute old)."""
    if not ids:
        return {}
    show_counts = counts_are_public(contest, now)
    votes = func.coalesce(EntryVoteCount.valid_votes, 0) if show_counts else literal(0)
    statement = _card_columns(votes.label("votes"))
    if show_counts:
        statement = statement.outerjoin(EntryVoteCount, EntryVoteCount.entry_id == Entry.id)
    statement = filter_public_entries(statement, contest, query, now).where(Entry.id.in_(ids))
    return _by_card(db.session.execute(statement))


def _resume(deck: Deck, walk: Walk, cursor: tuple[int, ...] | None) -> tuple[int, int]:
    """Where the walk starts in the deck, and the step to show first (0 without a cursor).

    The cursor is (step, id, first id): how many cards into the walk, the entry shown there, and the
    entry the walk began with. A deck rebuilt with entries accepted or withdrawn meanwhile has moved
    them: both ids then find their new places and the walk goes on from there (the rest of it is drawn
    afresh, so a card or two may repeat or be missed); if either has left the gallery, the walk starts over.
    """
    if cursor is None or len(cursor) != 3 or walk.size == 0:
        return walk.start, 0
    step, entry_id, first_id = cursor
    start = walk.start if deck.ids[walk.start] == first_id else _index_in(deck, first_id)
    if start < 0:
        return walk.start, 0
    walk = Walk(walk.size, start, walk.stride)
    if not (0 <= step < walk.size and deck.ids[walk.index(step)] == entry_id):
        at = _index_in(deck, entry_id)
        if at < 0:
            return walk.start, 0
        step = walk.step_of(at)
    return start, step + 1


def _index_in(deck: Deck, entry_id: int) -> int:
    """The entry's place in the deck, -1 if it is not there (it left the gallery)."""
    try:
        return deck.ids.index(entry_id)
    except ValueError:
        return -1


def entry_votes(entry: Entry) -> tuple[int, int]:
    """An entry's valid and voided vote counts (the page shows them only when counts are public)."""
    row = db.session.get(EntryVoteCount, entry.id)
    return (row.valid_votes, row.voided_votes) if row is not None else (0, 0)


def wall_entries(contest: Contest, show: str | None = None) -> list[Entry]:
    """The display wall's playlist: winners, or finalists if asked (or if no winners yet), else all accepted."""
    base = (
        select(Entry)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.ACCEPTED)
        .options(lazyload(Entry.members))
        .order_by(Entry.category_id, Entry.code)
        .limit(WALL_MAX)
    )
    winners = base.where(Entry.honour == EntryHonour.PRIZE)
    finalists = base.where(Entry.honour.in_((EntryHonour.FINALIST, EntryHonour.PRIZE)))
    choices = [finalists, winners] if show == HonourFilter.FINALISTS else [winners, finalists]
    for statement in [*choices, base]:
        entries = list(db.session.scalars(statement))
        if entries:
            return entries
    return []
