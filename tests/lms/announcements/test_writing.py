"""Writing an announcement: who may write to whom (another course is a 404), the preview with the
recipient count, bad input refused with a message and nothing stored, the per-author sending limit."""

from __future__ import annotations

from lms.accounts import services as accounts
from lms.announcements.models import BODY_LIMIT, AnnouncementState, Audience
from lms.extensions import db
from lms.learning.services import enroll
from tests.factories import login, make_user

from .helpers import latest, post, send, stored


def test_an_instructor_writes_only_to_the_learners_of_the_courses_they_teach(client, teacher, basics, other_course):
    login(client, teacher.email)
    form = client.get("/announcements/new").text
    assert f'value="course:{basics.id}"' in form
    assert f'value="course:{other_course.id}"' not in form and 'value="everyone"' not in form
    assert client.get(f"/announcements/new?to=course:{basics.id}").status_code == 200
    assert client.get(f"/announcements/new?to=course:{other_course.id}").status_code == 404
    for forged in (f"course:{other_course.id}", "everyone", "team:1", "course:999999", "nonsense"):
        assert post(client, forged).status_code == 404, forged
        assert send(client, forged).status_code == 404, forged
    assert stored() == 0


def test_learners_cannot_write(client, basics):
    learner = make_user()
    login(client, learner.email)
    assert client.get("/announcements/new").status_code == 403
    assert send(client, f"course:{basics.id}").status_code == 403
    assert stored() == 0


def test_an_admin_writes_to_everyone_a_team_or_any_course_and_the_preview_counts_each(client, basics):
    admin = make_user("admin")
    team = accounts.get_or_create_team("Platform")
    members = [make_user(), make_user(), make_user()]
    accounts.add_members(team, members)
    members[2].active = False  # a disabled account receives nothing
    for learner in members[:2]:
        enroll(learner.id, basics)
    db.session.commit()
    login(client, admin.email)
    form = client.get("/announcements/new").text
    assert 'value="everyone"' in form and f'value="team:{team.id}"' in form and f'value="course:{basics.id}"' in form
    assert "To Platform: 2 recipients." in post(client, f"team:{team.id}").text
    assert "To python-basics" not in post(client, f"course:{basics.id}").text  # the label is the course title
    assert f"To {basics.title}: 2 recipients." in post(client, f"course:{basics.id}").text
    assert "To Everyone: 3 recipients." in post(client, "everyone").text  # two members and the admin
    assert stored() == 0  # previews store nothing
    assert send(client, f"team:{team.id}").status_code == 302
    announcement = latest()
    assert (announcement.audience, announcement.team_id, announcement.course_id) == (Audience.TEAM, team.id, None)


def test_the_preview_shows_the_sanitized_message_and_the_count_and_sending_queues_it(client, teacher, basics):
    for _ in range(3):
        enroll(make_user().id, basics)
    db.session.commit()
    login(client, teacher.email)
    body = "Bring **your laptop**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))"
    preview = post(client, f"course:{basics.id}", title="Lab <day>", body=body)
    assert preview.status_code == 200
    page = preview.text
    assert "3 recipients." in page and "Send to 3 recipients" in page
    assert "<strong>your laptop</strong>" in page and "Lab &lt;day&gt;" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert 'name="action" value="edit"' in page
    edit = post(client, f"course:{basics.id}", title="Lab <day>", body=body, action="edit")
    assert edit.status_code == 200 and "Bring **your laptop**." in edit.text  # back to the form, text kept
    assert stored() == 0

    sent = send(client, f"course:{basics.id}", title="Lab day", body=body)
    assert sent.status_code == 302 and sent.location.endswith("/announcements")
    announcement = latest()
    assert (announcement.title, announcement.recipients) == ("Lab day", None)
    assert announcement.state == AnnouncementState.QUEUED
    assert "<strong>your laptop</strong>" in announcement.body_html and "<script" not in announcement.body_html
    listing = client.get("/announcements").text
    assert "Announcement queued for 3 recipient(s)" in listing and "Lab day" in listing and "Queued" in listing


def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(client, teacher, basics):
    login(client, teacher.email)
    to = f"course:{basics.id}"
    for action in ("preview", "send"):
        empty = post(client, to, title="  ", body="Hello", action=action)
        assert empty.status_code == 400 and "Give the announcement a title." in empty.text
        assert 'value="Hello"' not in empty.text and "Hello</textarea>" in empty.text  # the message is kept
        blank = post(client, to, title="Hi", body="", action=action)
        assert blank.status_code == 400 and "Write the message." in blank.text
        huge = post(client, to, title="Hi", body="x" * (BODY_LIMIT + 1), action=action)
        assert huge.status_code == 400 and f"at most {BODY_LIMIT} characters" in huge.text
        long_title = post(client, to, title="t" * 201, body="Hello", action=action)
        assert long_title.status_code == 400 and "Keep the title under 200 characters." in long_title.text
    assert stored() == 0


def test_the_sending_limit_refuses_with_a_message_keeps_the_text_and_ignores_previews(app, client, teacher, basics):
    login(client, teacher.email)  # the app allows 3 sends per hour (conftest)
    to = f"course:{basics.id}"
    for n in range(5):
        assert post(client, to, title=f"Preview {n}").status_code == 200
    for n in range(3):
        assert send(client, to, title=f"Sent {n}").status_code == 302
    refused = send(client, to, title="One too many", body="Kept **text**")
    assert refused.status_code == 429
    assert "You can send 3 announcement(s) per hour." in refused.text
    assert 'value="One too many"' in refused.text and "Kept **text**</textarea>" in refused.text
    assert stored() == 3
    admin, other = make_user("admin"), app.test_client()
    login(other, admin.email)  # the limit is per author
    assert send(other, to).status_code == 302
    assert stored() == 4
