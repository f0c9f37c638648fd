"""Cross-domain events (blinker), so that domains depend one way: learning emits, others listen."""

from blinker import Namespace

_signals = Namespace()

# Sent with the LearningEvent just flushed (sender: the event). Receivers run in the same
# transaction and must only flush: certificates, mastery and reports react to progress here.
learning_event_recorded = _signals.signal("learning-event-recorded")

# Community (sender: the row named; receivers run in the same transaction and only flush). The
# community domain sends them; its event log entries and notifications listen (lms.community).
thread_asked = _signals.signal("community-thread-asked")  # sender: the Thread, with its opening post
post_replied = _signals.signal("community-post-replied")  # sender: the new reply Post
answer_accepted = _signals.signal("community-answer-accepted")  # sender: the Thread; accepted_by=User
members_mentioned = _signals.signal("community-members-mentioned")  # sender: the Post; users=[User, ...]
post_moderated = _signals.signal("community-post-moderated")  # sender: the ModerationLog row

# Developer-relations view (sender named; same transaction, flush only).
profile_saved = _signals.signal("developer-profile-saved")  # sender: the DeveloperProfile
segment_recomputed = _signals.signal("developer-segment-recomputed")  # sender: the Segment; user_ids=set of changed
feedback_filed = _signals.signal("feedback-filed")  # sender: the new FeedbackItem
feedback_status_changed = _signals.signal("feedback-status-changed")  # sender: the FeedbackItem; old=str, actor=User
