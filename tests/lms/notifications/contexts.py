"""One context that every kind's mail templates can render (each reads the keys it needs), for
tests about delivery rather than about one kind's words."""

from __future__ import annotations

AT = "2026-12-07T09:00:00+00:00"

ANY_KIND = {
    "author": "Ada Instructor",
    "body": "We meet on Friday.",
    "sent_at": AT,
    "by": "Ada Instructor",
    "about": "Python basics",
    "reply": "Thanks, fixed.",
    "replied_at": AT,
    "item": "Quiz 1",
    "course": "Python basics",
    "score": 8,
    "max_score": 10,
    "graded_at": AT,
    "reviewed_at": AT,
    "starts_at": AT,
    "ends_at": AT,
    "offset": "24h",
}
