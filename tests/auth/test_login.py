from __future__ import annotations

from crm.auth.models import User


def test_login_page_is_italian_by_default(client):
    """An anonymous visitor gets the log-in page in Italian."""
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="it"' in response.get_data(as_text=True)


def test_login_with_good_credentials_redirects_home(auth, operator: User):
    """The right password logs in and sends the user to the home page."""
    response = auth.login(operator)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")


def test_login_with_wrong_password_is_refused(auth, client, operator: User):
    """A wrong password keeps the user out with a message that does not say which part was wrong."""
    response = auth.login(operator, password="wrong")
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_login_refuses_a_disabled_account(auth, client, make_user):
    """A disabled account cannot log in even with the right password."""
    user = make_user(active=False)
    auth.login(user)
    assert client.get("/").status_code == 302


def test_next_parameter_never_leaves_the_site(client, operator: User):
    """``next`` pointing to another host is ignored (open redirect)."""
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": operator.email, "password": "correct horse battery"},
    )
    assert response.headers["Location"] in ("/", "http://localhost.localdomain/")
