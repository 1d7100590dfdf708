from __future__ import annotations


def test_login_in_a_real_browser(live_server, page, operator, password):
    """An operator logs in through the real page (CSRF on) and lands on the Italian home page."""
    page.goto(live_server.url + "/")
    assert "/login" in page.url
    page.get_by_label("E-mail").fill(operator.email)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert operator.full_name in page.content()
