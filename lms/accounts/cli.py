"""`flask users ...` and `flask teams ...`: accounts from the command line."""

from __future__ import annotations

import secrets

import click
from flask import current_app, url_for

from lms.accounts import services
from lms.accounts.models import ROLES
from lms.extensions import db

users_cli = click.Group("users", help="Create accounts and reset passwords.")
teams_cli = click.Group("teams", help="Create teams and add members.")


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def _user_or_fail(email: str):
    user = services.find_user(email)
    if user is None:
        _fail(f"No account with e-mail {email}.")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option("--team", "team_name", help="Add the user to this team (created if new).")
@click.option("--name", "display_name", default="", help="Display name (default: the part before @).")
@click.option("--password", envvar="ACADEMY_NEW_PASSWORD", help="Default: a random one, printed once.")
def create_user(email: str, role: str, team_name: str | None, display_name: str, password: str | None) -> None:
    """Create an account and print its password once."""
    if "@" not in email or len(email) > 254:
        _fail(f"{email!r} is not an e-mail address.")
    password = password or secrets.token_urlsafe(12)
    try:
        user = services.create_user(email, password, display_name or email.split("@")[0], role=role)
        if team_name:
            services.add_members(services.get_or_create_team(team_name), [user])
    except services.AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.email} ({role}). Password: {password}")


@users_cli.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """Print a one-time password-reset link (for a person without mail); earlier links stop working."""
    user = _user_or_fail(email)
    _row, token = services.issue_token(user, services.RESET)
    db.session.commit()
    base = current_app.config["ACADEMY_BASE_URL"] or "http://127.0.0.1:5000"  # `make run` serves there
    with current_app.test_request_context(base_url=base):
        link = url_for("accounts.reset", token=token, _external=True)
    click.echo(f"One-time reset link for {user.email} (valid 1 hour): {link}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role(email: str, role: str) -> None:
    """Change a user's role."""
    services.set_role(_user_or_fail(email), role)
    db.session.commit()
    click.echo(f"{email} is now {role}.")


@users_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable an account and end all its sessions."""
    services.set_active(_user_or_fail(email), False)
    db.session.commit()
    click.echo(f"{email} is disabled.")


@teams_cli.command("create")
@click.argument("name")
@click.option("--manager", "manager_email", required=True, help="E-mail of the team's manager.")
def create_team(name: str, manager_email: str) -> None:
    """Create a team (or reuse it) and set its manager."""
    manager = _user_or_fail(manager_email)
    try:
        team = services.get_or_create_team(name)
    except services.AccountError as exc:
        _fail(str(exc))
    services.add_manager(team, manager)
    db.session.commit()
    click.echo(f"Team {team.name} managed by {manager.email}.")


@teams_cli.command("add")
@click.argument("name")
@click.argument("emails", nargs=-1, required=True)
def add_to_team(name: str, emails: tuple[str, ...]) -> None:
    """Add learners to a team; all e-mails must exist or nothing changes."""
    try:
        team = services.find_team(name)
    except services.AccountError as exc:
        _fail(str(exc))
    users = [services.find_user(e) for e in emails]
    unknown = [e for e, u in zip(emails, users, strict=True) if u is None]
    if unknown:
        _fail(f"No account for: {', '.join(unknown)}. Nothing was changed.")
    services.add_members(team, users)
    db.session.commit()
    click.echo(f"{len(users)} member(s) in {team.name}.")
