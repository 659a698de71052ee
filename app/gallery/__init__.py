"""The public side of a contest: gallery, entry pages, voting, People's Choice, display wall, reach.

  models       Vote, EntryVoteCount, VoteVoiding, ReachCount
  services/    visibility (what the public may see), voting, fraud, peoples_choice, reach
  views/       gallery, entry page, vote, display wall, statistics
"""

from flask import Blueprint

bp = Blueprint("gallery", __name__)

# models for the metadata; services register People's Choice as a results section; views register routes
from app.gallery import models, services, views  # noqa: E402,F401
