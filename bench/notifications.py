"""Notifications benchmark (issue 16): an announcement to 10,000 learners, from the web request to the mail.

One command, `python bench/notifications.py`: a fresh SQLite instance seeded by `flask demo seed
--learners 10000 --courses 1 --events 0`, an admin, and a team of --mail learners; then
(1) the web request that accepts an announcement to everyone (10,001 accounts): HTTP through
    gunicorn with 2 workers, the real form (login, CSRF), --sends sends one after another, next to
    /healthz asked the same way; the request stores the announcement and enqueues its fan-out;
(2) the worker's bulk write of those 10,001 notification rows (`tasks.write_notifications`, the
    code the worker runs, in this process), next to a bare sqlite3 executemany INSERT of the same
    rows into the same table; then the enqueueing of their e-mails (`enqueue_mail`), timed apart;
(3) a real `flask worker run` (its default threads, as `make run` starts it) fanning out an
    announcement to the team and delivering its e-mails to a local aiosmtpd sink, next to plain
    smtplib sending the same messages over one connection.
Prints each figure with the 1-minute load average beside it (the machine is shared).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import shutil
import signal
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.serving import PASSWORD, ROOT, VENV, flask, free_port, start_gunicorn, stop

ADMIN = "admin@bench.test"


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


class Sink:
    """aiosmtpd handler keeping each message with the moment it arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((time.perf_counter(), envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


class Client:
    """One signed-in browser: a cookie, and the CSRF token of the last form it loaded."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie = port, ""

    def call(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = urlencode(form) if form else None
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        elapsed = time.perf_counter() - started
        cookie = response.getheader("Set-Cookie")
        if cookie and "session=" in cookie:
            self.cookie = cookie.split(";", 1)[0]
        conn.close()
        return response.status, text, elapsed

    def token(self, path: str) -> str:
        status, html, _ = self.call("GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def login(self, email: str) -> None:
        form = {"email": email, "password": PASSWORD, "csrf_token": self.token("/login")}
        status, _, _ = self.call("POST", "/login", form)
        if status != 302:
            sys.exit(f"login failed for {email}: {status}")

    def announce(self, to: str, title: str, action: str = "send") -> tuple[int, float]:
        body = "The platform is **down for maintenance** on Saturday, 06:00-07:00 UTC.\n\n- saved work is kept\n"
        form = {
            "to": to,
            "title": title,
            "body": body,
            "action": action,
            "csrf_token": self.token("/announcements/new"),
        }
        status, _, elapsed = self.call("POST", "/announcements/new", form)
        return status, elapsed


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def bare_insert(database: Path, rows: list[dict]) -> float:
    """The anchor of (2): the same rows through sqlite3's executemany, one transaction."""
    columns = ["user_id", "kind", "key", "subject", "context", "created_at", "email_state", "attempts"]
    values = [
        (
            r["user_id"],
            r["kind"],
            "bench:anchor",
            json.dumps(r["subject"]),
            json.dumps(r["context"]),
            r["created_at"],
            "skipped",
            0,
        )
        for r in rows
    ]
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    conn.executemany(
        f"INSERT INTO notifications ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values
    )
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.execute("DELETE FROM notifications WHERE key = 'bench:anchor'")
    conn.commit()
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--sends", type=int, default=5, help="announcements to everyone timed through HTTP")
    parser.add_argument("--mail", type=int, default=1_000, help="learners in the team whose e-mails are timed")
    parser.add_argument(
        "--threads",
        type=int,
        help="the worker's task threads (flask worker run --workers; default: its own, 3 per core)",
    )
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="academy-bench-notify-"))
    smtp_port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "app.py",
        "ACADEMY_INSTANCE": str(instance),
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "ANNOUNCEMENT_RATE_LIMIT": "10000 per hour",
        "MAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "GRADING_KERNEL_POOL": "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("QUEUE_URL", None)
    os.environ.update({k: v for k, v in env.items() if k != "FLASK_APP"})
    sink = Sink()
    smtp_server = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp_server.start()
    server = worker = None
    try:
        flask(env, "db", "upgrade", "heads")
        print(f"seeding {args.learners:,} learners...", flush=True)
        flask(env, "demo", "seed", "--learners", str(args.learners), "--courses", "1", "--events", "0")
        flask(env, "users", "create", ADMIN, "--role", "admin", "--name", "Ada Admin", "--password", PASSWORD)

        from sqlalchemy import insert, select, update

        from lms import create_app
        from lms.accounts.models import User, team_members
        from lms.accounts.services import get_or_create_team
        from lms.announcements import tasks
        from lms.announcements.models import Announcement
        from lms.extensions import db, queue
        from lms.notifications.models import EmailState, Notification

        app = create_app()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per SMTP command
        with app.app_context():
            team = get_or_create_team("Mail bench")
            learners = db.session.scalars(
                select(User.id).where(User.role == "learner").order_by(User.id).limit(args.mail)
            )
            db.session.execute(insert(team_members), [{"team_id": team.id, "user_id": i} for i in learners])
            db.session.commit()
            team_id = team.id
            everyone = db.session.scalar(select(db.func.count()).select_from(User).where(User.active))

        # (1) The web request, through gunicorn with 2 workers.
        server, port = start_gunicorn(env)
        admin = Client(port)
        admin.login(ADMIN)
        for n in range(10):  # warm both workers, their first enqueue (which loads Huey) included
            admin.call("GET", "/healthz")
            admin.call("GET", "/announcements/new")
            if n < 4:
                admin.announce("everyone", f"Warm-up {n}")
        load_1 = load()
        healthz = sorted(admin.call("GET", "/healthz")[2] for _ in range(50))
        previews = sorted(admin.announce("everyone", "Maintenance", action="preview")[1] for _ in range(args.sends))
        sends = []
        for n in range(args.sends):
            status, elapsed = admin.announce("everyone", f"Maintenance {n}")
            assert status == 302, status
            sends.append(elapsed)
        sends.sort()
        load_1 += f" / {load()}"

        # (2) The worker's bulk write of the rows (in this process, the worker's own function).
        with app.app_context():
            first, *others = db.session.scalars(select(Announcement.id).order_by(Announcement.id)).all()
            db.session.execute(Announcement.__table__.delete().where(Announcement.id.in_(others)))
            db.session.commit()  # their queued fan-outs find nothing to do
            load_2 = load()
            started, cpu = time.perf_counter(), time.process_time()
            new = tasks.write_notifications(first)
            write_s, write_cpu = time.perf_counter() - started, time.process_time() - cpu
            rows = [
                dict(r._mapping)
                for r in db.session.execute(
                    select(
                        Notification.user_id,
                        Notification.kind,
                        Notification.subject,
                        Notification.context,
                        Notification.created_at,
                    ).where(Notification.id.in_(new[:1]))
                )
            ]
            template = rows[0]
            database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
            same_rows = [
                {**template, "user_id": user_id, "created_at": template["created_at"].isoformat()}
                for user_id in db.session.scalars(select(User.id).where(User.active))
            ]
            anchor_s = bare_insert(database, same_rows)
            started = time.perf_counter()
            tasks.enqueue_mail(new)
            enqueue_s = time.perf_counter() - started
            load_2 += f" / {load()}"
            # Those e-mails are not (3)'s: skipped, and off the queue.
            db.session.execute(
                update(Notification).where(Notification.id.in_(new)).values(email_state=EmailState.SKIPPED)
            )
            db.session.commit()
            queue.huey(app).flush()

        # (3) A real worker delivers the team's announcement to the sink.
        log = open(instance / "worker.log", "w+b")  # noqa: SIM115 - read at the end
        worker = subprocess.Popen(
            [str(VENV / "flask"), "worker", "run", *(["--workers", str(args.threads)] if args.threads else [])],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: b"Worker:" in (instance / "worker.log").read_bytes(), 60, "the worker to start")
        threads = re.search(rb"Worker: (\d+) thread", (instance / "worker.log").read_bytes()).group(1).decode()
        sink.received.clear()
        load_3 = load()
        status, _ = admin.announce(f"team:{team_id}", "Team news")
        accepted = time.perf_counter()
        assert status == 302, status
        wait_until(lambda: len(sink.received) >= args.mail, 600, f"{args.mail} e-mails at the sink")
        arrivals = [r[0] for r in sink.received]
        load_3 += f" / {load()}"
        end_to_end = args.mail / (max(arrivals) - accepted)
        delivering = (args.mail - 1) / (max(arrivals) - min(arrivals))
        messages = list(sink.received)
        sink.received.clear()
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
            for _, sender, recipients, content in messages:
                smtp.sendmail(sender, recipients, content)
        plain = len(messages) / (time.perf_counter() - started)
    finally:
        if server is not None:
            stop(server)
        if worker is not None:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGINT)
            worker.wait(timeout=60)
        smtp_server.stop()
        shutil.rmtree(instance, ignore_errors=True)

    ms = lambda seconds: f"{seconds * 1000:.1f} ms"
    print(f"\nSQLite, {everyone:,} active accounts; 2 cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"(1) announcement to everyone ({everyone:,}) accepted by the web request, HTTP through gunicorn 2 workers, "
        f"warm, {args.sends} sends: p50 {ms(statistics.median(sends))}, max {ms(sends[-1])}   target < 1 s   ({load_1})"
    )
    print(f"    its preview (renders the Markdown, counts the recipients): p50 {ms(statistics.median(previews))}")
    print(
        f"    anchor /healthz, same client: p50 {ms(statistics.median(healthz))}; "
        f"send / healthz {statistics.median(sends) / statistics.median(healthz):.1f}x"
    )
    print(
        f"(2) {len(new):,} in-app rows written in bulk by the worker's fan-out (chunks of 1,000, each committed): "
        f"{write_s:.2f} s ({write_cpu:.2f} s CPU)   target < 5 s   ({load_2})"
    )
    print(
        f"    anchor bare sqlite3 executemany INSERT of the same rows, one transaction: {anchor_s:.2f} s; "
        f"ratio {write_s / anchor_s:.1f}x"
    )
    print(f"    then their {len(new):,} e-mails put on the queue (enqueue_mail, SqliteHuey): {enqueue_s:.2f} s")
    print(
        f"(3) {args.mail:,} e-mails delivered to a local aiosmtpd sink by a real `flask worker run` "
        f"({threads} threads): "
        f"{delivering:.0f}/s first to last message, {end_to_end:.0f}/s from the accepted request "
        f"(fan-out included)   target >= 100/s   ({load_3})"
    )
    print(
        f"    anchor plain smtplib, the same messages over one connection: {plain:.0f}/s; "
        f"ratio {delivering / plain:.2f}"
    )


if __name__ == "__main__":
    main()
