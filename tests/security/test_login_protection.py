"""Log-in protection: a rate limit per address (429 with a clear message) and account lock-out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from crm.db_types import utcnow
from crm.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import english


def _login(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def test_login_rate_limit_answers_429_with_a_message(make_app, operator):
    """Past LOGIN_RATE_LIMIT posts from one address, the form answers 429 and says to wait."""
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", LOGIN_MAX_FAILURES=0)
    client = english(limited.test_client())
    for _ in range(3):
        assert _login(client, operator.email, "wrong").status_code == 200
    refused = _login(client, operator.email, TEST_PASSWORD)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many attempts from your connection: wait a minute" in page
    assert "Retry-After" in refused.headers
    assert client.get("/login").status_code == 200  # showing the form is not limited
    # Another address is not affected.
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _login(other, operator.email, TEST_PASSWORD).status_code == 302


def test_login_rate_limit_in_italian_by_default(make_app, operator):
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute", LOGIN_MAX_FAILURES=0)
    client = limited.test_client()
    _login(client, operator.email, "wrong")
    refused = _login(client, operator.email, "wrong")
    assert refused.status_code == 429
    assert "Troppi tentativi" in refused.get_data(as_text=True)


def test_limiter_uses_redis_when_configured(make_app, operator):
    """With a Redis URL the counters are shared through Redis (all workers see the same count)."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        import os

        if os.environ.get("CRM_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {url}: {exc}")
        pytest.skip(f"no Redis at {url}: {exc}")
    prefix = f"crm-test-limits-{uuid.uuid4().hex[:10]}"
    settings = dict(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", LOGIN_MAX_FAILURES=0,
                    REDIS_URL=url, RATELIMIT_KEY_PREFIX=prefix)
    first, second = make_app(**settings), make_app(**settings)
    assert first.config["RATELIMIT_STORAGE_URI"] == url
    try:
        _login(first.test_client(), operator.email, "wrong")
        _login(second.test_client(), operator.email, "wrong")  # another process, same counter
        assert _login(first.test_client(), operator.email, "wrong").status_code == 429
    finally:
        connection = redis.Redis.from_url(url)
        keys = list(connection.scan_iter(match=f"*{prefix}*"))
        if keys:
            connection.delete(*keys)


def test_account_locks_after_repeated_wrong_passwords(client, operator, app, monkeypatch):
    """N wrong passwords lock the account: even the right one is refused, with a clear message."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    monkeypatch.setitem(app.config, "LOGIN_LOCKOUT_MINUTES", 10)
    english(client)
    for _ in range(2):
        assert "Wrong e-mail or password" in _login(client, operator.email, "wrong").get_data(as_text=True)
    db.session.refresh(operator)
    assert operator.failed_login_count == 2 and operator.locked_until is None
    locking = _login(client, operator.email, "wrong")
    assert locking.status_code == 403
    assert "this account is locked for 10 more minutes" in locking.get_data(as_text=True)
    refused = _login(client, operator.email, TEST_PASSWORD)
    assert refused.status_code == 403 and "locked" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_lock_expires_and_a_good_login_resets_the_count(client, operator, app, monkeypatch):
    """After the lock-out time the right password works again, and the count starts from zero."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    operator.locked_until = utcnow() - timedelta(seconds=1)
    operator.failed_login_count = 0
    db.session.commit()
    _login(client, operator.email, "wrong")
    db.session.refresh(operator)
    assert operator.failed_login_count == 1 and operator.locked_until is None
    assert _login(client, operator.email, TEST_PASSWORD).status_code == 302
    db.session.refresh(operator)
    assert operator.failed_login_count == 0


def test_unknown_address_is_not_locked_or_revealed(client, operator, app, monkeypatch):
    """Wrong attempts on an address nobody has give the usual message, whatever their number."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    english(client)
    for _ in range(4):
        response = _login(client, "nobody@example.org", "wrong")
        assert response.status_code == 200 and "Wrong e-mail or password" in response.get_data(as_text=True)


def test_unlock_command_lets_a_locked_account_in(runner, client, operator):
    """``flask security unlock EMAIL`` lifts the lock at once; ``security locked`` lists locks."""
    operator.locked_until = utcnow() + timedelta(minutes=10)
    operator.failed_login_count = 0
    db.session.commit()
    assert operator.email in runner.invoke(args=["security", "locked"]).output
    assert _login(client, operator.email, TEST_PASSWORD).status_code == 403
    result = runner.invoke(args=["security", "unlock", operator.email.upper()])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert "No account is locked" in runner.invoke(args=["security", "locked"]).output
    assert _login(client, operator.email, TEST_PASSWORD).status_code == 302
    assert runner.invoke(args=["security", "unlock", "nobody@example.org"]).exit_code != 0


def test_login_still_works_when_the_limit_storage_is_down(make_app, operator):
    """A Redis that does not answer must not lock everybody out: the limiter falls back to memory."""
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="5 per minute", LOGIN_MAX_FAILURES=0,
                       RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = limited.test_client()
    assert _login(client, operator.email, TEST_PASSWORD).status_code == 302
