"""Cross-domain events (blinker), so that domains depend one way: learning emits, others listen."""

from blinker import Namespace

_signals = Namespace()

# Sent with the LearningEvent just flushed (sender: the event). Receivers run in the same
# transaction and must only flush: certificates, mastery and reports react to progress here.
learning_event_recorded = _signals.signal("learning-event-recorded")
