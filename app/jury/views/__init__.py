"""Jury pages: juror (scoring screen), chair (results, advancement, prizes) and public results."""
