"""Public pages, one module per concern; each registers its routes on the gallery blueprint.

  browse     /gallery/<contest>: the grid, filters, sorts, search; /gallery/<contest>/<code>: an entry
  voting     POST /gallery/<contest>/<code>/vote, the proof-of-work challenge
  wall       /wall/<contest>: the display wall
  reach      /statistics/<contest>: the public reach statistics
"""

from app.gallery.views import browse, reach, voting, wall  # noqa: F401
