"""Settings read from the environment when the app is created, never at import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the config from the environment; refuse production without a secret."""
    env = os.environ
    instance = Path(env.get("ACADEMY_INSTANCE", ROOT / "instance")).resolve()
    academy_env = env.get("ACADEMY_ENV", "development")
    config: dict[str, Any] = {
        "ACADEMY_ENV": academy_env,
        "INSTANCE_DIR": instance,
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", f"sqlite:///{instance / 'academy.db'}"),
        "QUEUE_URL": env.get("QUEUE_URL", ""),
        "COURSES_DIR": Path(env.get("COURSES_DIR", ROOT / "courses")).resolve(),
        # The public address in certificates (QR codes, credentials) and printed reset links; empty in
        # development, where certificates name http://localhost:5000 and reset links the dev server.
        "ACADEMY_BASE_URL": env.get("ACADEMY_BASE_URL", ""),
        "ACADEMY_ISSUER_NAME": env.get("ACADEMY_ISSUER_NAME", "Academy"),  # the certificates' issuer
        # argon2id parameters of new password hashes; None: accounts' production ones (tests pass cheap ones).
        "PASSWORD_HASH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), academy_env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Said by every app, not left to Flask-Limiter: its one Limiter for the process takes an
        # app's unset RATELIMIT_ENABLED from the app built before it (one built with limits off,
        # as a test or a benchmark does, left every later app without a login limit).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # A limit store that is down (Redis stopped) counts in this process until it is back,
        # rather than failing every login with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "ANNOUNCEMENT_RATE_LIMIT": env.get("ANNOUNCEMENT_RATE_LIMIT", "5 per hour"),  # sends per author
        # Community flags one account may raise in an hour (counted in the database, all processes).
        "COMMUNITY_FLAGS_PER_HOUR": int(env.get("COMMUNITY_FLAGS_PER_HOUR", 10)),
        # Feedback hub: days to a first response per priority (an item without one counts as P3);
        # past it, an unanswered open item is overdue. FEEDBACK_RESPONSE_DAYS="P1=1,P2=3,P3=7,P4=30".
        "FEEDBACK_RESPONSE_DAYS": _response_days(env.get("FEEDBACK_RESPONSE_DAYS", "")),
        # Mailed account links (a password reset, a new confirmation link), per IP address and per address.
        "ACCOUNT_MAIL_RATE_LIMIT": env.get("ACCOUNT_MAIL_RATE_LIMIT", "5 per hour"),
        # Sign-ups confirm their e-mail address by a mailed link before their first login.
        "EMAIL_VERIFICATION": _bool(env.get("EMAIL_VERIFICATION"), False),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": {"en": "English", "zh": "中文"},
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)),
        **_grading(env),
        **_workspace(env),
        **_mail(env),
        **_periodic(env),
        **_community(env),
    }
    config.update(overrides or {})
    config["MAIL_SERVER"] = parse_mail_url(config["MAIL_URL"])
    _check_ca_file(str(config["MAIL_CA_FILE"] or ""))
    # Admins may read instance/outbox/ in the browser only where mail goes there: never in production.
    config["MAIL_OUTBOX_VIEWER"] = config["MAIL_SERVER"] is None and config["ACADEMY_ENV"] != "production"
    if not (isinstance(config["DIGEST_HOUR"], int) and 0 <= config["DIGEST_HOUR"] <= 23):
        raise ConfigError(f"DIGEST_HOUR must be an hour from 0 to 23, not {config['DIGEST_HOUR']!r}")
    # A server may drop idle connections, so check each one out with a ping; a SQLite file
    # cannot, and the ping was an extra statement on every request.
    server = not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": server})
    if not config["SECRET_KEY"]:
        if config["ACADEMY_ENV"] == "production":
            raise ConfigError("SECRET_KEY must be set when ACADEMY_ENV=production")
        config["SECRET_KEY"] = _instance_secret(Path(config["INSTANCE_DIR"]))
    return config


def _grading(env: os._Environ | dict[str, str]) -> dict[str, Any]:
    """Notebook grading: upload limit, workers per machine, sandbox time and memory limits."""
    return {
        "GRADING_MAX_UPLOAD_BYTES": int(env.get("GRADING_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "GRADING_WORKERS": int(env.get("GRADING_WORKERS", 0)) or grading_threads(),
        "GRADING_CELL_TIMEOUT": float(env.get("GRADING_CELL_TIMEOUT", 10)),
        "GRADING_NOTEBOOK_TIMEOUT": float(env.get("GRADING_NOTEBOOK_TIMEOUT", 60)),
        "GRADING_MEMORY_MB": int(env.get("GRADING_MEMORY_MB", 1024)),
        # A claimed submission not finished within this is graded again by another worker.
        "GRADING_LEASE_SECONDS": float(env.get("GRADING_LEASE_SECONDS", 30)),
        "GRADING_MAX_TRIES": int(env.get("GRADING_MAX_TRIES", 3)),
        "GRADING_KERNEL_POOL": _bool(env.get("GRADING_KERNEL_POOL"), True),
    }


def _response_days(raw: str) -> dict[str, int]:
    days = {"P1": 1, "P2": 3, "P3": 7, "P4": 30}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        name, _, value = part.partition("=")
        if name.strip() not in days or not value.strip().isdigit() or int(value) < 1:
            raise ConfigError(f"FEEDBACK_RESPONSE_DAYS: {part!r} is not P1..P4=<days>")
        days[name.strip()] = int(value)
    return days


def grading_threads(cores: int | None = None) -> int:
    """Default grading threads (and sandboxes started ahead) of a worker: three per core it may
    use, so notebooks sleeping until a cell's time limit do not leave a core idle. On 2 cores,
    a quarter of the notebooks timing out, 40 took 22 s on 2 threads, 18 s on 4, 15 s on 6 and
    on 8 (`python bench/grading.py --sweep 2,4,6,8`). Each thread holds up to two sandbox pairs
    (kernel and checker, ~70 MB resident together)."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 3 * cores


def _workspace(env: os._Environ | dict[str, str]) -> dict[str, Any]:
    """The notebook workspace: draft size, runs per learner, each web process's run pool."""
    return {
        # All answer sources of one draft together.
        "WORKSPACE_MAX_DRAFT_BYTES": int(env.get("WORKSPACE_MAX_DRAFT_BYTES", 1 << 20)),
        "WORKSPACE_RUNS_PER_MINUTE": int(env.get("WORKSPACE_RUNS_PER_MINUTE", 20)),  # per learner
        "WORKSPACE_RUN_THREADS": int(env.get("WORKSPACE_RUN_THREADS", 2)),  # runs at a time per web process
        # Sandboxed kernels kept started per web process (0: start one per run).
        "WORKSPACE_KERNEL_POOL": int(env.get("WORKSPACE_KERNEL_POOL", 2)),
    }


def _mail(env: os._Environ | dict[str, str]) -> dict[str, Any]:
    """Notification e-mail: the SMTP server (none: .eml files in instance/outbox/), sender, retries."""
    return {
        "MAIL_URL": env.get("MAIL_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Academy <academy@localhost>"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", 20)),  # seconds per SMTP conversation step
        "MAIL_MAX_TRIES": int(env.get("MAIL_MAX_TRIES", 6)),  # then failed, with the reason, for admins
        "MAIL_RETRY_SECONDS": float(env.get("MAIL_RETRY_SECONDS", 60)),  # doubled after each failure
        "MAIL_LEASE_SECONDS": float(env.get("MAIL_LEASE_SECONDS", 300)),  # a sender that died: tried again
        "MAIL_SWEEP_SECONDS": float(env.get("MAIL_SWEEP_SECONDS", 15)),  # how often workers look for due mail
        # A PEM file of CA certificates trusted besides the system's (a private CA's mail server).
        "MAIL_CA_FILE": env.get("MAIL_CA_FILE", ""),
        "MAIL_BATCH_SIZE": int(env.get("MAIL_BATCH_SIZE", 50)),  # messages per queue task, sent over one connection
        "DIGEST_HOUR": _hour(env.get("DIGEST_HOUR", "8")),  # the daily digest's hour, in each person's time zone
        "UNSUBSCRIBE_RATE_LIMIT": env.get("UNSUBSCRIBE_RATE_LIMIT", "20 per minute"),  # one-click POSTs per address
    }


def _hour(text: str) -> int | str:
    """An hour of the day as a number; left as given when it is none, for the check that names it."""
    return int(text) if text.strip().isdigit() else text


def _periodic(env: os._Environ | dict[str, str]) -> dict[str, Any]:
    """Periodic tasks on the workers: how often each looks for due slots, how late a slot still runs."""
    return {
        "PERIODIC_CHECK_SECONDS": float(env.get("PERIODIC_CHECK_SECONDS", 10)),
        # A slot missed while no worker ran (a deploy, an outage) still runs this long after its minute.
        "PERIODIC_GRACE_SECONDS": float(env.get("PERIODIC_GRACE_SECONDS", 3600)),
    }


def _community(env: os._Environ | dict[str, str]) -> dict[str, Any]:
    """Community limits against spam: new accounts post less often and with fewer links."""
    return {
        "COMMUNITY_NEW_ACCOUNT_DAYS": int(env.get("COMMUNITY_NEW_ACCOUNT_DAYS", 7)),  # an account this young is new
        "COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR": int(env.get("COMMUNITY_NEW_ACCOUNT_POSTS_PER_HOUR", 5)),
        "COMMUNITY_MAX_LINKS": int(env.get("COMMUNITY_MAX_LINKS", 5)),  # links a post may hold
        "COMMUNITY_NEW_ACCOUNT_MAX_LINKS": int(env.get("COMMUNITY_NEW_ACCOUNT_MAX_LINKS", 2)),
    }


def parse_mail_url(url: str) -> dict[str, Any] | None:
    """`smtp://user:pass@host:587?starttls=true` or `smtps://user:pass@host:465` as settings;
    None for an empty URL. A URL that cannot work is refused with what is wrong."""
    if not url:
        return None
    from urllib.parse import parse_qs, unquote, urlsplit

    shown = url.split("@")[-1]  # never print the password
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"MAIL_URL is not a valid URL (...@{shown}): {exc}") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise ConfigError(f"MAIL_URL names no host (...@{shown})")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls"}
    if unknown:
        raise ConfigError(f"MAIL_URL has unknown options: {', '.join(sorted(unknown))} (only starttls)")
    starttls = query.get("starttls", "false").lower()
    if starttls not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ConfigError(f"MAIL_URL's starttls must be true or false, not {starttls!r}")
    if parts.scheme == "smtps" and _bool(starttls, False):
        raise ConfigError("MAIL_URL: smtps:// is TLS from the start; starttls=true applies to smtp:// only")
    return {
        "scheme": parts.scheme,
        "host": parts.hostname,
        "port": port or (465 if parts.scheme == "smtps" else 25),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "starttls": _bool(starttls, False),
    }


def _check_ca_file(path: str) -> None:
    """MAIL_CA_FILE, when set, must be a readable PEM file of certificates: refused at start, not at the first mail."""
    if not path:
        return
    import ssl

    try:
        ssl.create_default_context().load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"MAIL_CA_FILE {path} cannot be read as PEM certificates: {exc}") from None


def _instance_secret(instance: Path) -> str:
    """A per-install random key kept in instance/ so dev sessions survive restarts."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip() or DEV_SECRET
    except FileNotFoundError:
        import secrets

        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
