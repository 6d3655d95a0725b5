"""Whatever address a person types, the app answers with a French page in its layout and a way
back: an unknown page, a bad id, a page of the list that does not exist, a method a page does not
take. The JSON API keeps JSON."""

from __future__ import annotations

import html

import pytest

from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app, sessions, clock):  # type: ignore[no-untyped-def]
    for client in https_client(app):
        member = make_member(sessions, clock, role="coordinator")
        sign_in(client, member.email)
        yield client


def _page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/html")
    text = html.unescape(response.text)
    assert '<html lang="fr"' in text and "Retour à l'accueil" in text
    main = text[text.index("<main") :]
    assert "Not Found" not in main and '"detail"' not in main  # no framework JSON
    return main


def test_an_unknown_page_is_a_french_page(web) -> None:
    response = web.get("/nulle-part")
    assert response.status_code == 404
    assert "Cette page n'existe pas." in _page(response)
    assert 'class="team-nav"' in response.text  # still signed in: the menu is there


def test_a_bad_id_is_a_french_page(web) -> None:
    for path in ("/cases/abc", "/cases/99999999", "/cases/-3"):
        response = web.get(path)
        assert response.status_code == 404, path
        _page(response)


def test_a_page_of_the_list_beyond_its_end_says_how_many_there_are(web) -> None:
    response = web.get("/cases", params={"page": "40", "status": "new"})
    assert response.status_code == 404
    text = _page(response)
    assert "la liste compte 1 page" in text
    assert 'href="/cases?status=new&sort=newest&page=1"' in text  # the filters kept


def test_a_method_a_page_does_not_take_keeps_its_allow_header(web) -> None:
    response = web.request("PUT", "/cases")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert "Cette page ne s'utilise pas ainsi." in _page(response)


def test_a_bad_form_value_is_a_french_page(web) -> None:
    response = web.get("/cases", params={"page": "abc"})
    assert response.status_code == 400
    _page(response)


def test_the_api_keeps_json(web, auth) -> None:
    response = web.get("/api/nowhere", headers=auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
