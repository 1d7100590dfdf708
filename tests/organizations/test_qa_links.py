"""Links the organization page offers must open for the person who sees them (QA pass)."""

from __future__ import annotations

import re


def test_detail_offers_add_contact_only_to_those_who_may_add(client, login, op, make_org):
    """An operator who does not own the organization gets no "Add contact" link (it would answer 403)."""
    org = make_org()
    login(op)
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert f'href="/contacts/new/{org.id}"' not in page
    assert client.get(f"/contacts/new/{org.id}").status_code == 403


def test_every_link_on_the_detail_page_opens_for_a_non_owner(client, login, op, make_org):
    """Each same-site link of an organization page opens (no 4xx) for an operator who does not own it."""
    org = make_org()
    login(op)
    page = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"#]*)"', page)) - {"/logout"}
    assert links
    refused = []
    for url in sorted(link for link in links if "/static/" not in link):
        response = client.get(url)
        response.close()
        if 400 <= response.status_code < 500:
            refused.append((url, response.status_code))
    assert refused == []
