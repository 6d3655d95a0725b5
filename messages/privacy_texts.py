"""The privacy notice a household reads (GET /confidentialite), in plain words, as data.

Sections of (title, paragraphs); the page (api/templates/privacy.html) renders them in the
household's language. Keep sentences short: many readers are not at ease with written French, and
this is the page the consent question links to.
"""

from __future__ import annotations

from messages import N_

PAGE_TITLE = N_("Your personal data")
INTRO = N_(
    "This page explains in plain words what the eviction-prevention mobile team does with "
    "information about you."
)
READ_IN = N_("Read this page in:")
CONTACT = N_("Contact the team: {contact}")
RIGHTS = N_("Your rights")  # the team's contact, when configured, follows this section

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        N_("Who we are"),
        (
            N_(
                "We are the eviction-prevention mobile team: social workers and a legal adviser "
                "who help tenants in rent arrears to keep their home. Our help is free and "
                "confidential."
            ),
        ),
    ),
    (
        N_("What information we have"),
        (
            N_(
                "The eviction-prevention commission (CCAPEX) gave us your name, your address, "
                "your phone number, the stage of the procedure, the amount owed and the name of "
                "your landlord."
            ),
            N_(
                "We also keep the messages you send us and, only if you agree, what you tell us "
                "during the diagnostic: budget, income, family situation."
            ),
        ),
    ),
    (
        N_("Why"),
        (
            N_(
                "To offer you help and avoid an eviction: review your social and financial "
                "situation with you (this is the diagnostic), look for the aid you are entitled "
                "to (FSL, repayment plan, housing benefit) and support you in your steps."
            ),
            N_(
                "This is a public-interest mission entrusted by the State. The diagnostic is "
                "only done with your agreement, and you can withdraw it at any time."
            ),
        ),
    ),
    (
        N_("Who sees it"),
        (
            N_(
                "Only the members of the mobile team. With your agreement, some information may "
                "be passed on to the bodies that handle your steps (CAF, FSL, social services)."
            ),
            N_(
                "We never sell or give away your data. We do not tell your landlord that we are "
                "helping you unless you agree."
            ),
        ),
    ),
    (
        N_("How long we keep it"),
        (N_("Two years after our last contact with you. Then it is deleted."),),
    ),
    (
        RIGHTS,
        (
            N_("You can see your data, have it corrected or deleted, and object to its use."),
            N_(
                "To receive no more messages, reply STOP. To withdraw your agreement to the "
                'diagnostic, reply "I no longer agree". For anything else, reply to one of our '
                "messages or contact the team."
            ),
        ),
    ),
    (
        N_("If you are not satisfied"),
        (
            N_(
                "You can complain to the CNIL, the French authority that protects personal "
                "data: www.cnil.fr, or by post to CNIL, 3 place de Fontenoy, TSA 80715, "
                "75334 Paris Cedex 07."
            ),
        ),
    ),
)


def privacy_msgids() -> tuple[str, ...]:
    """Every msgid of the privacy page."""
    texts = [PAGE_TITLE, INTRO, READ_IN, CONTACT]
    for title, paragraphs in SECTIONS:
        texts += [title, *paragraphs]
    return tuple(texts)
