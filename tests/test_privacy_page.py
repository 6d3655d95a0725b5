"""GET /confidentialite and /privacy: the privacy notice in French, English and Arabic."""

from __future__ import annotations

import pytest
from markupsafe import escape

from messages import gettext
from messages.privacy_texts import PAGE_TITLE, privacy_msgids


def test_it_serves_the_notice_in_french_by_default(client) -> None:
    response = client.get("/confidentialite")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fr" dir="ltr">' in page
    assert "<h1>Vos données personnelles</h1>" in page
    for words in ("gratuite et confidentielle", "Deux ans après notre dernier contact", "STOP"):
        assert words in page
    assert "www.cnil.fr" in page and "CCAPEX" in page


@pytest.mark.parametrize(
    ("path", "language", "direction", "title"),
    [
        ("/confidentialite?lang=en", "en", "ltr", "Your personal data"),
        ("/privacy?lang=en", "en", "ltr", "Your personal data"),
        ("/confidentialite?lang=ar", "ar", "rtl", "بياناتكم الشخصية"),
        ("/privacy?lang=fr", "fr", "ltr", "Vos données personnelles"),
    ],
)
def test_it_serves_the_notice_in_the_language_asked_for(
    client, path: str, language: str, direction: str, title: str
) -> None:
    page = client.get(path).text

    assert f'<html lang="{language}" dir="{direction}">' in page
    assert f"<h1>{title}</h1>" in page
    for msgid in privacy_msgids():
        if "{" not in msgid:
            assert str(escape(gettext(msgid, language))) in page


def test_it_links_to_the_other_languages(client) -> None:
    page = client.get("/confidentialite?lang=ar").text

    assert 'href="?lang=fr"' in page and 'href="?lang=en"' in page
    assert '<strong lang="ar">العربية</strong>' in page


def test_it_follows_the_browser_language_without_a_parameter(client) -> None:
    page = client.get("/privacy", headers={"Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.5"}).text
    assert 'lang="ar"' in page

    unknown = client.get("/confidentialite?lang=tr", headers={"Accept-Language": "tr"}).text
    assert '<html lang="fr"' in unknown


def test_it_shows_the_team_contact_when_configured(client, monkeypatch) -> None:
    assert "Contacter l&#39;équipe" not in client.get("/confidentialite").text

    monkeypatch.setenv("ALLERVERS_TEAM_CONTACT", "03 53 01 00 00")
    page = client.get("/confidentialite").text

    assert "Contacter l&#39;équipe : 03 53 01 00 00" in page


def test_it_needs_no_login(client) -> None:
    response = client.get("/privacy?lang=en", follow_redirects=False)
    assert response.status_code == 200
    assert gettext(PAGE_TITLE, "en") in response.text
