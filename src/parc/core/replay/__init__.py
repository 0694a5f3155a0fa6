"""``parc replay``: logged calls re-decided under current and proposed policies; unused permissions."""

from parc.core.replay.changes import Change, ChangeError, apply
from parc.core.replay.model import Call, Unmapped
from parc.core.replay.narrow import narrowed_policy
from parc.core.replay.replay import Replayer, Tally, unused_actions

__all__ = ["Call", "Change", "ChangeError", "Replayer", "Tally", "Unmapped", "apply", "narrowed_policy",
           "unused_actions"]
