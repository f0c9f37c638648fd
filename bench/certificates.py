"""Benchmark certificate issuing (render + sign) against bare WeasyPrint, and offline verification.

Usage: .venv/bin/python bench/certificates.py [N]   (default 500; 100 is enough for a quick figure)
Targets (issue 4, section 7): issuing <= 1.3x bare WeasyPrint on the same HTML; verify < 20 ms;
the public /verify/<id> page < 10 ms p95; bulk `flask certificates issue` uses both cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import CSS, HTML

from certificates import CertificateData, issue_pdf, load_or_create_issuer, new_certificate_id, verify_pdf
from certificates.fit import name_font_size
from certificates.render import DEFAULT_TEMPLATE, render_html

NAMES = [
    "Ada Lovelace",
    "Grace Brewster Murray Hopper",
    "Alan Mathison Turing",
    "Katherine Johnson",
    "Edsger Wybe Dijkstra",
    "Barbara Liskov",
    "Donald Ervin Knuth",
    "Margaret Heafield Hamilton",
    "Tim Berners-Lee",
    "Frances Elizabeth Allen",
    "Zoë Müller-Łukasiewicz",
    "Linus Benedict Torvalds",
]
COURSES = [
    "Intermediate Python for AI Developers",
    "Evaluating LLM Applications",
    "Fine-Tuning Language Models",
    "Retrieval-Augmented Generation in Production",
]


def sample(i: int) -> CertificateData:
    """Return the i-th benchmark certificate (varied names and courses, like a real batch)."""
    cid = new_certificate_id()
    return CertificateData(
        certificate_id=cid,
        learner_name=NAMES[i % len(NAMES)],
        achievement_title=COURSES[i % len(COURSES)],
        kind="course",
        issued_at=datetime(2026, 3, 5, tzinfo=UTC) + timedelta(minutes=i),
        issuer_name="Academy",
        verify_url=f"https://academy.example/verify/{cid}",
    )


def bare_weasyprint(data: CertificateData) -> bytes:
    """Render the same HTML the issuer renders, with plain WeasyPrint and no reuse."""
    html = render_html(data, name_font_size(data.learner_name))
    css = CSS(filename=str(DEFAULT_TEMPLATE.with_suffix(".css")))
    return HTML(string=html, base_url=DEFAULT_TEMPLATE.parent.as_uri() + "/").write_pdf(stylesheets=[css])


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=500, help="certificates to issue (default 500)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp)
        issuer = load_or_create_issuer(store / "instance", "Academy", "https://academy.example")
        issue_pdf(sample(0), issuer)  # warm-up: font loading, template and CSS parsing
        bare_weasyprint(sample(0))
        issue_s, bare_s = [], []
        for i in range(n):  # interleaved, so machine noise hits both sides alike
            data = sample(i)
            start = time.perf_counter()
            pdf = issue_pdf(data, issuer)
            (store / f"{data.certificate_id}.pdf").write_bytes(pdf)
            issue_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            bare_weasyprint(data)
            bare_s.append(time.perf_counter() - start)
        verify_s = []
        for _ in range(50):
            start = time.perf_counter()
            result = verify_pdf(pdf, issuer.public_key)
            verify_s.append(time.perf_counter() - start)
        assert result.valid, result.reason
    report(n, issue_s, bare_s, verify_s)
    web(n, statistics.mean(issue_s))


def report(n: int, issue_s: list[float], bare_s: list[float], verify_s: list[float]) -> None:
    """Print the figures next to their targets."""
    ms = {
        name: (1000 * statistics.mean(xs), 1000 * statistics.median(xs))
        for name, xs in (("issue", issue_s), ("bare", bare_s), ("verify", verify_s))
    }
    ratio = ms["issue"][0] / ms["bare"][0]
    print(f"certificates issued:        {n}")
    print(f"issue (render+sign+store):  {ms['issue'][0]:7.1f} ms/certificate (median {ms['issue'][1]:.1f})")
    print(f"bare WeasyPrint, same HTML: {ms['bare'][0]:7.1f} ms/certificate (median {ms['bare'][1]:.1f})")
    print(f"ratio issue / bare:         {ratio:7.2f}x  target <= 1.3x: {'OK' if ratio <= 1.3 else 'MISSED'}")
    print(
        f"verify one PDF offline:     {ms['verify'][0]:7.2f} ms (mean of 50) target < 20 ms: "
        f"{'OK' if ms['verify'][0] < 20 else 'MISSED'}"
    )


def web(n: int, sequential_s: float) -> None:
    """Time the public /verify/<id> page (p95) and bulk issuing of n certificates on every core."""
    import os

    from sqlalchemy import insert

    from lms import create_app
    from lms.accounts.models import User
    from lms.certification.models import Certificate
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "INSTANCE_DIR": Path(tmp),
                          "SECRET_KEY": "bench", "TESTING": True})  # fmt: skip
        with app.app_context():
            db.create_all()
            now = datetime.now(UTC)
            users = [{"email": f"l{i}@bench.test", "password_hash": "x", "display_name": NAMES[i % len(NAMES)],
                      "certificate_name": "", "timezone": "UTC", "role": "learner", "active": True,
                      "created_at": now} for i in range(n)]  # fmt: skip
            db.session.execute(insert(User), users)
            ids = [new_certificate_id() for _ in range(n)]
            certs = [{"public_id": cid, "user_id": i + 1, "kind": "course", "subject": "course:bench",
                      "title": COURSES[i % len(COURSES)], "learner_name": NAMES[i % len(NAMES)],
                      "issued_at": now} for i, cid in enumerate(ids)]  # fmt: skip
            db.session.execute(insert(Certificate), certs)
            db.session.commit()
        client = app.test_client()
        for cid in ids[:20]:  # warm-up: templates, translations
            client.get(f"/verify/{cid}")
        page_s, cpu_s = [], []
        for i in range(1000):
            start, cpu = time.perf_counter(), time.process_time()
            assert client.get(f"/verify/{ids[i % n]}").status_code == 200
            page_s.append(time.perf_counter() - start)
            cpu_s.append(time.process_time() - cpu)
        p95 = 1000 * statistics.quantiles(page_s, n=20)[-1]
        cpu_p95 = 1000 * statistics.quantiles(cpu_s, n=20)[-1]
        with app.app_context():
            runner = app.test_cli_runner()
            start = time.perf_counter()
            result = runner.invoke(args=["certificates", "issue"])
            bulk_s = time.perf_counter() - start
            assert result.exit_code == 0, result.output
    per = bulk_s / n
    print(f"/verify/<id> page:          {p95:7.2f} ms p95 (median {1000 * statistics.median(page_s):.2f}, "
          f"1000 requests) target < 10 ms: {'OK' if p95 < 10 else 'MISSED'}; CPU p95 {cpu_p95:.2f} ms")  # fmt: skip
    print(f"bulk `certificates issue`:  {1000 * per:7.1f} ms/certificate on {os.cpu_count()} cores ({n} in "
          f"{bulk_s:.1f} s), {sequential_s / per:.2f}x the one-process rate")  # fmt: skip


if __name__ == "__main__":
    main()
