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
    "online": False,
    "online_url": "",
    "place": "Room 4",
    "session": "Morning",
    "workshop": "Live RAG",
    "due_at": AT,
    "acted_at": AT,
    "received_at": AT,
    "extended": True,
    "hours": 1,
    "public_id": "ACAD-0000-0000",
    "reason": "A test",
    "title": "Quiz 1",
    "comment": "",
    "secret_path": "/reset/x",
}
