"""create_app wires the app by name: the queue, the issuer, every receiver, the shared filters."""

from __future__ import annotations

from blinker import ANY

from lms.assignments import receivers as assignments
from lms.catalog.sync import courses_synced
from lms.certification import issuing
from lms.certification import receivers as certification
from lms.community import receivers as community
from lms.community.services import search as community_search
from lms.programme import receivers as programme
from lms.recommend import receivers as recommend
from lms.reports import receivers as reports
from lms.signals import (
    answer_accepted,
    learning_event_recorded,
    members_mentioned,
    post_moderated,
    post_replied,
    thread_asked,
)

RECEIVERS = {
    learning_event_recorded: {
        certification.award_on_progress,
        recommend.update_mastery,
        reports.on_learning_event,
        programme.on_learning_event,
    },
    courses_synced: {
        assignments.store_releases,
        certification.store_certification_specs,
        recommend.refresh_every_dashboard,
    },
    thread_asked: {community.on_thread_asked},
    post_replied: {community.on_post_replied},
    answer_accepted: {community.on_answer_accepted},
    members_mentioned: {community.on_members_mentioned},
    post_moderated: {community.on_post_moderated, community_search.on_moderated},
}


def test_create_app_connects_each_receiver_once(make_app):
    for signal, receivers in RECEIVERS.items():
        for receiver in receivers:
            signal.disconnect(receiver)
    try:
        make_app()
        make_app()  # a second app in the same process connects nothing twice
        for signal, receivers in RECEIVERS.items():
            assert set(signal.receivers_for(ANY)) == receivers, signal.name
            assert len(signal.receivers) == len(receivers), signal.name
    finally:  # a failure above must not leave later tests without receivers
        for signal, receivers in RECEIVERS.items():
            for receiver in receivers:
                signal.connect(receiver)


def test_create_app_binds_the_queue_creates_the_issuer_and_registers_filters(app):
    assert "task_queue" in app.extensions
    assert issuing.config_from_app(app).issuer_dir.is_dir()
    assert "when" in app.jinja_env.filters


def test_create_app_enqueues_notification_mail_after_each_commit_once(make_app):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from lms.notifications import receivers as notifications

    event.remove(Session, "after_commit", notifications._enqueue_committed)
    event.remove(Session, "after_soft_rollback", notifications._forget_rolled_back)
    make_app()
    make_app()  # connected once per process however many apps
    assert event.contains(Session, "after_commit", notifications._enqueue_committed)
    assert event.contains(Session, "after_soft_rollback", notifications._forget_rolled_back)


def test_no_route_is_shadowed_by_another(app):
    """Each route, built with sample values, is answered by its own endpoint for each of its methods:
    a new `/verify/<token>` once hid the public certificate check `/verify/<public_id>`."""
    adapter = app.url_map.bind("localhost")
    samples = {"integer": 7, "path": "a/b", "default": "Q3XJ7K2PLM"}
    shadowed = []
    for rule in app.url_map.iter_rules():
        values = {
            name: samples.get(type(converter).__name__.removesuffix("Converter").lower(), samples["default"])
            for name, converter in rule._converters.items()
        }
        path = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            endpoint, _ = adapter.match(path, method=method)
            if endpoint != rule.endpoint:
                shadowed.append(f"{method} {rule.rule} ({rule.endpoint}) is answered by {endpoint}")
    assert not shadowed, shadowed
