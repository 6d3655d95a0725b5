"""The visit report and social diagnostic (DSF): the questions as a data file, drafts checked
whole and never overwritten by an older save, submission only with the household's consent, the
page and its autosave, the summary in GET /api/cases/{id} (outreach.casework.diagnostic)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.casework import diagnostic
from outreach.casework.consents import record_in_person
from outreach.casework.diagnostic_form import DEFAULT_FILE, ENV, FormFileError, load, reset
from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Case, Diagnostic, TeamUser
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in

HALF = {"adults": "2", "children": "1", "salary": "1 250,50", "rent": "620", "causes": ["job_loss"]}


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@pytest.fixture
def extended_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the data file with one more question, as the team would add it."""
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["sections"][1]["fields"].append(
        {"key": "school_grant", "label": "Bourse scolaire", "type": "money", "summary": "resources"}
    )
    path = tmp_path / "form.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(ENV, str(path))
    reset()
    yield path
    monkeypatch.delenv(ENV)
    reset()


def _setup(sessions: sessionmaker[Session], clock: FrozenClock) -> tuple[int, int, str]:
    """A worker of Arras who can sign in, and a case of Arras: (worker id, case id, email)."""
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    return worker.id, case_id, worker.email


def _consent(sessions, clock, case_id: int, worker_id: int, decision: str = "given") -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        record_in_person(
            session,
            clock=clock,
            case=session.get_one(Case, case_id),
            purpose="diagnostic",
            decision=decision,
            method="written",
            actor=session.get_one(TeamUser, worker_id),
        )


def _save(sessions, clock, case_id: int, worker_id: int, given: dict, revision: int):  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        row = diagnostic.save_draft(
            session,
            clock=clock,
            case=session.get_one(Case, case_id),
            actor=session.get_one(TeamUser, worker_id),
            given=given,
            revision=revision,
        )
        return row.revision


def _stored(sessions, case_id: int) -> dict:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return diagnostic.answers_of(diagnostic.get(session, case_id=case_id))


# --- the data file ----------------------------------------------------------------------------


def test_the_form_file_holds_what_the_issue_asks(tmp_path: Path) -> None:
    form = load(DEFAULT_FILE)
    fields = form.fields
    causes = [choice.label for choice in fields["causes"].choices]
    assert causes[:3] == ["Perte d'emploi", "Baisse de ressources", "Séparation"]
    assert "Erreur ou retard de la CAF" in causes and fields["causes"].type == "multichoice"
    assert fields["housing_benefit_kept"].type == "choice"
    assert [choice.key for choice in fields["wish"].choices] == ["stay", "rehoused", "undecided"]
    # The proposed démarches are the kinds of the engagement contract, in French.
    assert "Demande FSL (Fonds de solidarité logement)" in [
        choice.label for choice in fields["proposed_steps"].choices
    ]
    # No question asks about health beyond the tick "Santé".
    assert not any("santé" in field.label.lower() for field in fields.values())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda d: d["sections"][0]["fields"].append(
                {"key": "adults", "label": "x", "type": "count"}
            ),
            "section 1 (household), field 4 (adults): the key 'adults' is already used",
        ),
        (
            lambda d: d["sections"][2]["fields"][0].update(type="date"),
            "section 3 (costs), field 1 (rent): 'type' must be one of",
        ),
        (
            lambda d: d["sections"][0]["fields"][2].pop("choices"),
            "field 3 (family_situation): a non-empty list 'choices'",
        ),
        (
            lambda d: d["sections"][0]["fields"][0].update(summary="rent"),
            "(adults): 'summary' 'rent' does not fit a count field",
        ),
        (lambda d: d["sections"][3].update(key="Dette"), "section 4: 'key' must be lowercase"),
    ],
)
def test_a_wrong_form_file_is_refused_naming_the_entry(tmp_path: Path, change, named) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "form.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormFileError) as refused:
        load(path)
    assert named in str(refused.value)


def test_the_app_does_not_start_with_a_wrong_form_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib

    import api.web.diagnostic_page as page

    (tmp_path / "form.json").write_text('{"sections": []}', encoding="utf-8")
    monkeypatch.setenv(ENV, str(tmp_path / "form.json"))
    reset()
    try:
        with pytest.raises(FormFileError, match="non-empty list 'sections'"):
            importlib.reload(page)
    finally:
        monkeypatch.delenv(ENV)
        reset()
        importlib.reload(page)


def test_a_question_added_to_the_file_is_asked_and_saved_without_code(
    web, sessions, clock, extended_form
) -> None:
    _, case_id, email = _setup(sessions, clock)
    sign_in(web, email)
    page = web.get(f"/cases/{case_id}/diagnostic")
    assert "Bourse scolaire" in page.text and 'name="school_grant"' in page.text
    response = web.post(
        f"/cases/{case_id}/diagnostic",
        data={"csrf": csrf_of(page.text), "revision": "0", "salary": "1000", "school_grant": "45"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _stored(sessions, case_id) == {"salary": 100000, "school_grant": 4500}
    with sessions() as session:
        found = diagnostic.summary(session, case_id=case_id)
    assert found is not None and found["monthly_resources_cents"] == 104500


# --- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_saved_with_each_answer_read_by_its_type(sessions, clock) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    given = HALF | {
        "housing_benefit_kept": "paid_to_landlord",
        "caf_informed": "no",
        "causes": ["separation", "job_loss"],
        "debt_since": "mars 2025",
        "wish_words": "Rester près de l'école\ndes enfants",
        "unknown_key": "ignored",
    }
    assert _save(sessions, clock, case_id, worker_id, given, 0) == 1
    assert _stored(sessions, case_id) == {
        "adults": 2,
        "children": 1,
        "salary": 125050,
        "rent": 62000,
        "causes": ["job_loss", "separation"],  # in the order of the form
        "housing_benefit_kept": "paid_to_landlord",
        "caf_informed": "no",
        "debt_since": "mars 2025",
        "wish_words": "Rester près de l'école\ndes enfants",
    }
    # The next save starts from revision 1; an emptied answer is no answer.
    assert _save(sessions, clock, case_id, worker_id, HALF | {"salary": ""}, 1) == 2
    assert "salary" not in _stored(sessions, case_id)
    with sessions() as session:
        row = diagnostic.get(session, case_id=case_id)
        assert row is not None and row.status == "draft" and row.updated_by_id == worker_id
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("diagnostic.start") == 1
        # The audit log never holds an answer.
        details = " ".join(json.dumps(e.detail) for e in session.scalars(select(AuditEvent)))
        assert "1250" not in details and "job_loss" not in details


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("adults", "deux", "Écrivez un nombre entier de 0 à 99."),
        ("rent", "-50", "Écrivez un montant en euros de 0 à 100 000, par exemple 450 ou 450,50."),
        (
            "rent",
            "12,345",
            "Écrivez un montant en euros de 0 à 100 000, par exemple 450 ou 450,50.",
        ),
        ("wish", "partir", "Choisissez une réponse de la liste."),
        ("causes", ["job_loss", "astrologie"], "Choisissez des réponses de la liste."),
        ("caf_informed", "peut-être", "Répondez oui ou non."),
        ("debt_since", "x" * 201, "200 caractères au plus."),
        (
            "assessment",
            "a\x00b",
            "Ce texte contient des caractères qui ne peuvent pas être enregistrés.",
        ),
    ],
)
def test_a_wrong_answer_is_refused_with_its_reason_and_nothing_is_written(
    sessions, clock, key, value, message
) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    _save(sessions, clock, case_id, worker_id, {"adults": "1"}, 0)
    with pytest.raises(diagnostic.InvalidAnswers) as refused:
        _save(sessions, clock, case_id, worker_id, HALF | {key: value}, 1)
    assert refused.value.errors == {key: message}
    assert _stored(sessions, case_id) == {"adults": 1}
    with sessions() as session:
        assert (
            session.get_one(Diagnostic, diagnostic.get(session, case_id=case_id).id).revision == 1
        )  # type: ignore[union-attr]


def test_a_save_from_an_older_revision_never_overwrites_newer_work(sessions, clock) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    _save(sessions, clock, case_id, worker_id, {"adults": "1"}, 0)
    _save(sessions, clock, case_id, worker_id, {"adults": "2"}, 1)  # the phone, a moment later
    with pytest.raises(diagnostic.StaleRevision) as refused:
        _save(sessions, clock, case_id, worker_id, {"adults": "1"}, 1)  # a late autosave
    assert refused.value.current == 2
    assert "modifié ailleurs" in str(refused.value)
    # A second first save (another phone started it too) is refused the same way.
    with pytest.raises(diagnostic.StaleRevision):
        _save(sessions, clock, case_id, worker_id, {"adults": "3"}, 0)
    assert _stored(sessions, case_id) == {"adults": 2}


def test_answers_to_a_question_removed_from_the_file_are_kept(sessions, clock) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    _save(sessions, clock, case_id, worker_id, {"adults": "1"}, 0)
    with sessions.begin() as session:
        row = diagnostic.get(session, case_id=case_id)
        assert row is not None
        row.answers = json.dumps({"adults": 1, "old_question": "gardé"})
    _save(sessions, clock, case_id, worker_id, {"adults": "2"}, 1)
    assert _stored(sessions, case_id) == {"adults": 2, "old_question": "gardé"}


# --- submitting -------------------------------------------------------------------------------


def test_submitting_needs_the_households_consent(sessions, clock) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    _save(sessions, clock, case_id, worker_id, HALF, 0)

    def submit() -> Diagnostic:
        with sessions.begin() as session:
            return diagnostic.submit(
                session,
                clock=clock,
                case=session.get_one(Case, case_id),
                actor=session.get_one(TeamUser, worker_id),
            )

    with pytest.raises(diagnostic.DiagnosticError, match="consentement du foyer"):
        submit()
    _consent(sessions, clock, case_id, worker_id)
    submit()
    with sessions() as session:
        row = diagnostic.get(session, case_id=case_id)
        assert row is not None and row.status == "submitted" and row.submitted_by_id == worker_id
    with pytest.raises(diagnostic.DiagnosticError, match="déjà terminé"):
        submit()
    # Submitted, it changes only once reopened.
    with pytest.raises(diagnostic.DiagnosticError, match="Modifier"):
        _save(sessions, clock, case_id, worker_id, HALF, 2)
    with sessions.begin() as session:
        diagnostic.reopen(
            session,
            clock=clock,
            case=session.get_one(Case, case_id),
            actor=session.get_one(TeamUser, worker_id),
        )
    assert _save(sessions, clock, case_id, worker_id, HALF | {"adults": "3"}, 3) == 4


def test_a_refused_consent_stops_the_drafts(sessions, clock) -> None:
    worker_id, case_id, _ = _setup(sessions, clock)
    _consent(sessions, clock, case_id, worker_id, decision="refused")
    with pytest.raises(diagnostic.DiagnosticError, match="refusé ou retiré"):
        _save(sessions, clock, case_id, worker_id, HALF, 0)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Diagnostic)) == 0


# --- the page ---------------------------------------------------------------------------------


def test_the_page_saves_the_draft_then_submits_it(web, sessions, clock) -> None:
    worker_id, case_id, email = _setup(sessions, clock)
    sign_in(web, email)
    page = web.get(f"/cases/{case_id}/diagnostic")
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Ne notez aucune information de santé." in text
    assert "Le consentement du foyer au diagnostic n'est pas encore noté" in text
    assert f'href="/cases/{case_id}#diagnostic"' in text
    assert '<script src="/static/diagnostic.js' in text and "<script>" not in text
    csrf = csrf_of(page.text)
    form = {"csrf": csrf, "revision": "0", "adults": "2", "causes": ["job_loss", "caf_error"]}

    refused = web.post(f"/cases/{case_id}/diagnostic", data=form | {"rent": "beaucoup"})
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "Écrivez un montant en euros" in text and 'value="beaucoup"' in text
    assert _stored(sessions, case_id) == {}

    saved = web.post(f"/cases/{case_id}/diagnostic", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/cases/{case_id}/diagnostic?done=saved"
    assert _stored(sessions, case_id) == {"adults": 2, "causes": ["job_loss", "caf_error"]}

    # Without the consent, the submit keeps the draft and says what is missing.
    form = form | {"revision": "1", "wish": "stay"}
    refused = web.post(f"/cases/{case_id}/diagnostic/submit", data=form)
    assert refused.status_code == 409
    assert "consentement du foyer au diagnostic n'est pas noté" in html.unescape(refused.text)
    assert _stored(sessions, case_id)["wish"] == "stay"

    _consent(sessions, clock, case_id, worker_id)
    form = form | {"revision": "2"}
    done = web.post(f"/cases/{case_id}/diagnostic/submit", data=form, follow_redirects=False)
    assert done.status_code == 303
    page = web.get(done.headers["location"])
    text = html.unescape(page.text)
    assert "Diagnostic terminé." in text
    assert "Perte d'emploi, Erreur ou retard de la CAF" in text
    assert "Rester dans le logement" in text and 'name="adults"' not in text

    reopened = web.post(
        f"/cases/{case_id}/diagnostic/edit", data={"csrf": csrf}, follow_redirects=False
    )
    assert reopened.status_code == 303
    assert 'name="adults" type="text"' in web.get(f"/cases/{case_id}/diagnostic").text
    with sessions() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"diagnostic.read", "diagnostic.submit", "diagnostic.reopen"} <= actions


def test_the_autosave_answers_in_json_and_refuses_an_older_revision(web, sessions, clock) -> None:
    _, case_id, email = _setup(sessions, clock)
    sign_in(web, email)
    csrf = csrf_of(web.get(f"/cases/{case_id}/diagnostic").text)
    url = f"/cases/{case_id}/diagnostic/draft"
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

    no_token = web.post(url, json={"revision": 0, "answers": {"adults": "2"}})
    assert no_token.status_code == 403
    saved = web.post(url, json={"revision": 0, "answers": {"adults": "2"}}, headers=headers)
    assert saved.status_code == 200 and saved.json()["revision"] == 1
    assert saved.json()["saved_at"] == "10 h"  # 09:00 UTC is 10:00 in Paris (frozen clock)
    late = web.post(url, json={"revision": 0, "answers": {"adults": "1"}}, headers=headers)
    assert late.status_code == 409 and late.json()["revision"] == 1
    wrong = web.post(url, json={"revision": 1, "answers": {"rent": "abc"}}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {
        "rent": "Écrivez un montant en euros de 0 à 100 000, par exemple 450 ou 450,50."
    }
    assert _stored(sessions, case_id) == {"adults": 2}


def test_a_worker_of_another_sector_gets_no_diagnostic(web, sessions, clock) -> None:
    _, case_id, _ = _setup(sessions, clock)
    other = make_member(sessions, clock, sectors=("lens",))
    sign_in(web, other.email)
    assert web.get(f"/cases/{case_id}/diagnostic").status_code == 403
    csrf = csrf_of(web.get("/cases").text)
    refused = web.post(
        f"/cases/{case_id}/diagnostic/draft",
        json={"revision": 0, "answers": {"adults": "2"}},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403
    assert _stored(sessions, case_id) == {}


# --- the summary ------------------------------------------------------------------------------


def test_the_case_in_the_api_carries_the_diagnostic_summary(client, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    assert client.get(f"/api/cases/{case_id}", headers=worker.bearer).json()["diagnostic"] is None
    given = HALF | {"housing_benefit": "210", "rsa": "", "wish": "rehoused", "charges": "80"}
    _save(sessions, clock, case_id, worker.id, given, 0)
    body = client.get(f"/api/cases/{case_id}", headers=worker.bearer).json()
    assert body["diagnostic"] == {
        "status": "draft",
        "updated_at": "2026-03-11T09:00:00Z",
        "submitted_at": None,
        "form_version": load(DEFAULT_FILE).version,
        "causes": ["job_loss"],
        "monthly_resources_cents": 146050,
        "rent_cents": 62000,
        "charges_cents": 8000,
        "household_size": 3,
        "wish": "rehoused",
    }
    with sessions() as session:
        panel = diagnostic.panel(session, case_id=case_id)
    assert panel == {
        "status": "Brouillon, enregistré le 11/03/2026",
        "action": "Continuer le diagnostic",
        "causes": "Perte d'emploi",
    }
