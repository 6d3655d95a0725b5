"""What a private landlord reads: the SMS and e-mail about the guarantees they can call on, the
"guarantees" page (GET /garanties) and the landlord privacy notice (GET /confidentialite/bailleurs).

Facts checked against DOMAIN.md ("What a private landlord can mobilise"). Two versions of every
message: the general one, sent when the tenant has not agreed that we contact the landlord, never
says that this household is followed; the other one says so, because the tenant agreed.
"""

from __future__ import annotations

from messages import N_

# --- SMS (registered in messages/templates.py, held to 3 segments) -----------------------------

SMS_GENERAL = N_(
    "{organisation}, eviction prevention. Landlords: for unpaid rent you can call on the FSL "
    "(aid paid to the landlord), a repayment plan, the CAF/MSA (report, direct payment of "
    "housing benefit), Visale or your GLI, free advice from the ADIL, the CCAPEX. {link} "
    "Questions: reply. STOP to opt out"
)
SMS_FOLLOWED = N_(
    "{organisation}, eviction prevention. Landlords: with their agreement, the mobile team helps "
    "your tenant settle the unpaid rent. You can call on the FSL, a repayment plan, the CAF/MSA, "
    "Visale or your GLI, the ADIL, the CCAPEX. {link} Questions: reply. STOP to opt out"
)

# --- E-mail ------------------------------------------------------------------------------------

MAIL_SUBJECT = N_("Unpaid rent: the guarantees and aid you can call on")
MAIL_GREETING = N_("Hello,")
MAIL_INTRO_GENERAL = N_(
    "The eviction-prevention mobile team informs private landlords of the solutions that exist "
    "when rent goes unpaid."
)
MAIL_INTRO_FOLLOWED = N_(
    "With their agreement, the eviction-prevention mobile team is helping your tenant{place} to "
    "settle the unpaid rent. Here are the solutions you can call on."
)
MAIL_PLACE = N_(" in {commune}")
MAIL_MORE = N_("Everything in detail: {link}")
MAIL_CONTACT = N_("Contact the team: {contact}")
MAIL_REPLY = N_("You can also simply reply to this e-mail.")
MAIL_STOP = N_(
    "To receive no more messages from us, reply with the word STOP. Your data: {privacy}"
)

# --- The guarantees page and the e-mail share these points ------------------------------------

GUARANTEES_TITLE = N_("Unpaid rent: what a landlord can call on")
GUARANTEES_INTRO = N_(
    "When rent goes unpaid, solutions exist before going to court. They are faster and cost "
    "less when they start early."
)
GUARANTEES: tuple[tuple[str, str], ...] = (
    (
        N_("The FSL (housing solidarity fund)"),
        N_(
            "The FSL, run by the Département, can grant aid to pay off rent arrears. The aid is "
            "often paid directly to the landlord. The tenant applies, with the help of a social "
            "worker or of our team."
        ),
    ),
    (
        N_("A repayment plan"),
        N_(
            "You can agree with your tenant on a repayment plan (plan d'apurement): the arrears "
            "are paid in monthly instalments on top of the rent. Our team can help you both reach "
            "an agreement."
        ),
    ),
    (
        N_("The CAF or the MSA"),
        N_(
            "If your tenant receives housing benefit, report the unpaid rent to the CAF or the "
            "MSA within two months of the debt reaching two months of rent. The benefit is kept "
            "while a repayment plan is followed, and you can ask for it to be paid directly to you."
        ),
    ),
    (
        N_("Visale or a rent-guarantee insurance (GLI)"),
        N_(
            "If the lease is covered by Visale (the free guarantee of Action Logement) or by a "
            "rent-guarantee insurance (GLI), declare the unpaid rent to them quickly, within the "
            "time limit of the contract."
        ),
    ),
    (
        N_("Free advice from the ADIL"),
        N_(
            "The ADIL (departmental housing information agency) gives landlords and tenants free, "
            "neutral legal advice on the procedure and on everyone's rights."
        ),
    ),
    (
        N_("The CCAPEX"),
        N_(
            "The departmental eviction-prevention commission (CCAPEX) examines difficult "
            "situations and can make recommendations to everyone involved."
        ),
    ),
)
# On the page only (too much for a first message).
OVER_INDEBTEDNESS = (
    N_("Over-indebtedness"),
    N_(
        "If your tenant files an over-indebtedness case with the Banque de France, the eviction "
        "procedure can be suspended. An agreement reached early is often faster for everyone."
    ),
)
TEAM_TITLE = N_("The mobile team")
TEAM_TEXT = N_(
    "Our help is free. To talk about a situation, reply to our message or contact the team."
)
LANDLORD_PRIVACY_LINK = N_("How we use your data")

# --- The landlord privacy notice ---------------------------------------------------------------

PRIVACY_TITLE = N_("Your personal data (landlords)")
PRIVACY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
                "The eviction-prevention commission (CCAPEX) gave us your name and, when known, "
                "your phone number or e-mail address, as the landlord of a home where rent is "
                "unpaid."
            ),
        ),
    ),
    (
        N_("Why"),
        (
            N_(
                "To tell you which guarantees and aid you can call on, and to help you and your "
                "tenant reach an agreement. We only tell you that we are helping your tenant if "
                "your tenant agrees."
            ),
        ),
    ),
    (
        N_("How long we keep it"),
        (N_("Two years after our last contact about this home. Then it is deleted."),),
    ),
    (
        N_("Your rights"),
        (
            N_(
                "You can see, correct or delete your data and object to our messages: reply STOP, "
                "or contact the team."
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


def landlord_msgids() -> tuple[str, ...]:
    """Every msgid a landlord reads (the SMS are also in messages/templates.py)."""
    texts = [
        SMS_GENERAL,
        SMS_FOLLOWED,
        MAIL_SUBJECT,
        MAIL_GREETING,
        MAIL_INTRO_GENERAL,
        MAIL_INTRO_FOLLOWED,
        MAIL_PLACE,
        MAIL_MORE,
        MAIL_CONTACT,
        MAIL_REPLY,
        MAIL_STOP,
        GUARANTEES_TITLE,
        GUARANTEES_INTRO,
        *OVER_INDEBTEDNESS,
        TEAM_TITLE,
        TEAM_TEXT,
        LANDLORD_PRIVACY_LINK,
        PRIVACY_TITLE,
    ]
    for title, text in GUARANTEES:
        texts += [title, text]
    for title, paragraphs in PRIVACY_SECTIONS:
        texts += [title, *paragraphs]
    return tuple(dict.fromkeys(texts))
