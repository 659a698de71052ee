"""Jury pages, one module per audience; each registers its routes on the jury blueprint.

  juror    /jury: the juror's rounds, the blind scoring screen, autosave API, blind media, confirm
  chair    /jury/rounds/<id>/results: results side by side, advancement, reopening, score-sheet exports
  prizes   /jury/prizes/<contest>: prizes from the final ranking, preview and publication
  public   /results/<contest>: the published results and their SHA-256
"""

from app.jury.views import chair, juror, prizes, public  # noqa: F401
