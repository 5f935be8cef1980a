"""``forewarn users``: create, disable, enable, reset the password of and list users."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from forewarn.auth import service
from forewarn.cli.common import (
    DataDir,
    console,
    plain,
    print_error,
    settings_for,
    store_session,
)
from forewarn.errors import ForewarnError

app = typer.Typer(help="Manage users (passwords are prompted or read from stdin).")

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def read_password(from_stdin: bool) -> str:
    """The password from stdin or an interactive prompt (never from the command line)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _fail(exc: ForewarnError) -> typer.Exit:
    print_error(exc.message)
    return typer.Exit(code=1)


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Login name (lower-case).")],
    department: Annotated[
        str | None, typer.Option(help="Department code (required except for --admin).")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Role; repeat for several.")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make an administrator.")] = False,
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI.")] = None,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Create a user; the password is prompted twice (or read from stdin)."""
    roles = list(role or []) + (["administrator"] if admin else [])
    password = read_password(password_stdin)
    try:
        with store_session(settings_for(data_dir)) as session:
            user = service.create_user(
                session,
                username=username,
                password=password,
                roles=roles,
                department=department,
                display_name=display_name,
                now=datetime.now(UTC),
            )
            summary = f"{user.username} ({', '.join(user.roles)})"
    except ForewarnError as exc:
        raise _fail(exc) from None
    console.print(plain(f"created user {summary}"))


@app.command("disable")
def disable(username: str, data_dir: DataDir = None) -> None:
    """Disable a user: no more logins, every token revoked at once."""
    try:
        with store_session(settings_for(data_dir)) as session:
            service.disable_user(session, username)
    except ForewarnError as exc:
        raise _fail(exc) from None
    console.print(plain(f"disabled {username}; its tokens are revoked"))


@app.command("enable")
def enable(username: str, data_dir: DataDir = None) -> None:
    """Enable a disabled user again (and clear a lock-out)."""
    try:
        with store_session(settings_for(data_dir)) as session:
            service.enable_user(session, username)
    except ForewarnError as exc:
        raise _fail(exc) from None
    console.print(plain(f"enabled {username}"))


@app.command("reset-password")
def reset_password(
    username: str, password_stdin: PasswordStdin = False, data_dir: DataDir = None
) -> None:
    """Set a new password; unlocks the account and revokes its tokens."""
    password = read_password(password_stdin)
    try:
        with store_session(settings_for(data_dir)) as session:
            service.reset_password(session, username, password)
    except ForewarnError as exc:
        raise _fail(exc) from None
    console.print(plain(f"password of {username} reset; its tokens are revoked"))


@app.command("list")
def list_users(data_dir: DataDir = None) -> None:
    """List users with their department, roles and state."""
    table = Table("username", "department", "roles", "state")
    with store_session(settings_for(data_dir)) as session:
        for user in session.scalars(service.query_users()):
            state = "active" if user.active else "disabled"
            if user.locked_until is not None and user.locked_until > datetime.now(UTC):
                state += ", locked"
            dept = user.department.code if user.department else "-"
            table.add_row(*map(plain, (user.username, dept, ", ".join(user.roles), state)))
    console.print(table)
