"""Jury rounds: assignment of entries to jurors and aggregation of their scores.

This package starts with the pure parts (no Flask, no database): `assignment` decides
who judges what, `aggregation` turns scores into rankings. Rounds, scoring pages and
prizes build on them.
"""
