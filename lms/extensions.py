"""Flask extensions, created unbound and initialised in create_app."""

from flask import has_request_context, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str | None:
    """Profile language first, then the one chosen in this session, then the browser's."""
    from flask import current_app

    if not has_request_context():
        return None
    languages = list(current_app.config["LANGUAGES"])
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages)


def select_timezone() -> str | None:
    """The learner's time zone from the profile."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.timezone
    return None


babel = Babel()
