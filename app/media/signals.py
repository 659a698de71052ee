"""Signals other features subscribe to, so media never imports the features that use it.

`asset_processed` is sent when an asset reaches a final state (ready, rejected, failed),
inside the job's transaction just before it commits: whatever a receiver changes commits
together with the new state, so a worker killed in between leaves neither.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

asset_processed = _signals.signal("asset-processed")
