"""``flask --app crm users …``: create accounts, list them, reset passwords; clear errors, non-zero exits."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.extensions import db


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def test_users_create_asks_for_the_password_twice(runner):
    """The password is prompted (hidden, twice) and the account is created with the role."""
    result = runner.invoke(
        args=["users", "create", "Boss@Demo.Local", "--role", "admin", "--name", "Anna Capo"],
        input="password123\npassword123\n",
    )
    assert result.exit_code == 0, result.output
    assert "password123" not in result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.full_name) == ("boss@demo.local", Role.ADMIN, "Anna Capo")
    assert user.check_password("password123")


def test_users_create_refuses_mismatched_passwords(runner):
    """Two different passwords are asked again; giving up creates nothing."""
    result = runner.invoke(args=["users", "create", "a@demo.local"], input="password123\nother-pass\n")
    assert result.exit_code != 0
    assert user_count() == 0


def test_users_create_refuses_a_duplicate_email(runner, make_user):
    """A taken e-mail is a clear error with exit code 1."""
    make_user(Role.OPERATOR, email="taken@demo.local")
    result = runner.invoke(args=["users", "create", "TAKEN@demo.local"], input="password123\npassword123\n")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert user_count() == 1


def test_users_create_refuses_a_short_password(runner):
    """A password under 8 characters is refused with exit code 1."""
    result = runner.invoke(args=["users", "create", "a@demo.local"], input="short\nshort\n")
    assert result.exit_code == 1
    assert "at least 8" in result.output
    assert user_count() == 0


def test_users_create_refuses_a_bad_role(runner):
    """An unknown role is a usage error listing the valid ones."""
    result = runner.invoke(
        args=["users", "create", "a@demo.local", "--role", "boss"], input="password123\npassword123\n"
    )
    assert result.exit_code == 2
    assert "operator" in result.output and "admin" in result.output
    assert user_count() == 0


def test_users_create_refuses_a_bad_email(runner):
    """A malformed e-mail is a usage error naming the argument."""
    for bad in ("not-an-email", "a@@demo.local", "x@localhost"):
        result = runner.invoke(args=["users", "create", bad], input="password123\npassword123\n")
        assert result.exit_code == 2, bad
        assert "EMAIL" in result.output and "not a valid e-mail address" in result.output
    assert user_count() == 0


def test_users_list_prints_a_table(runner, make_user):
    """The list shows each account's e-mail, name, role, active flag and last login."""
    make_user(Role.ADMIN, email="capo@demo.local", full_name="Anna Capo")
    make_user(Role.OPERATOR, email="op@demo.local", full_name="Piero Operatore", active=False)
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["E-mail", "Name"]
    capo = next(line for line in lines if line.startswith("capo@demo.local"))
    assert "Anna Capo" in capo and "admin" in capo and "yes" in capo and "never" in capo
    op = next(line for line in lines if line.startswith("op@demo.local"))
    assert "operator" in op and " no " in op


def test_users_list_on_an_empty_database(runner):
    """With no accounts the command says how to create one."""
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "users create" in result.output


def test_users_set_password(runner, make_user):
    """set-password asks twice and replaces the password."""
    user = make_user(Role.OPERATOR, email="op@demo.local")
    result = runner.invoke(
        args=["users", "set-password", "OP@demo.local"], input="new-password\nnew-password\n"
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.check_password("new-password")


def test_users_set_password_errors(runner, make_user):
    """Unknown account and short password are clear errors with exit code 1."""
    user = make_user(Role.OPERATOR, email="op@demo.local")
    missing = runner.invoke(
        args=["users", "set-password", "nobody@demo.local"], input="new-password\nnew-password\n"
    )
    assert missing.exit_code == 1 and "No account" in missing.output
    short = runner.invoke(args=["users", "set-password", "op@demo.local"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    db.session.refresh(user)
    assert user.check_password("correct horse battery")
