"""Every figure of the indicators, the exports and the bilan, defined once in a sentence an
evaluator can read. The page shows this list, the spreadsheet has it as its "Définitions" sheet
and the bilan as its method page. English msgids; shown in French."""

from __future__ import annotations

from messages import N_, gettext

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Period"),
        N_(
            "The households counted are those the CCAPEX transferred in the months chosen "
            "(their import month); what happened to them is counted whenever it happened, up "
            "to the day the figures were counted."
        ),
    ),
    (
        N_("Previous period"),
        N_(
            "The same number of months just before the period chosen; the change is the difference "
            "between the two (in points for a percentage)."
        ),
    ),
    (
        N_("Households transferred"),
        N_("Households on the lists the CCAPEX sent to the team in the period."),
    ),
    (
        N_("Households reached"),
        N_(
            "Households who answered at least one message; the percentage is of the households "
            "transferred."
        ),
    ),
    (
        N_("Diagnostics"),
        N_(
            "Households whose social and financial diagnostic was completed and submitted by a "
            "worker; the percentage is of the households transferred."
        ),
    ),
    (N_("Home visits held"), N_("Households who had at least one home visit marked as held.")),
    (
        N_("Households accompanied (contract agreed)"),
        N_("Households who agreed to their engagement contract, at the visit or by message."),
    ),
    (
        N_("Cases closed with a favourable outcome"),
        N_(
            "Cases closed because the household stays in its home, signed a repayment plan, paid "
            "off its debt or was rehoused."
        ),
    ),
    (N_("How cases closed"), N_("Cases closed by the team, by the outcome recorded when closing.")),
    (
        N_("Démarches agreed, by type"),
        N_("Households whose engagement contract lists at least one démarche of that type."),
    ),
    (
        N_("Démarches done, by type"),
        N_("Households with at least one démarche of that type marked as done."),
    ),
    (
        N_("Procedure stage at the first reply"),
        N_(
            "How far the eviction procedure had gone on the day the household first answered: the "
            "latest act dated that day or before (unpaid rent before the first act; the stage the "
            "CCAPEX gave when no act is dated). The earlier, the more the team works upstream."
        ),
    ),
    (
        N_("Procedure stage when the case closed"),
        N_("The same reading on the day the case was closed."),
    ),
    (
        N_("Delays between the steps, in days"),
        N_(
            "For each step, the households who went through both ends in order. The median is the "
            "middle value: half the households took less. The 90th percentile: 9 households in 10 "
            "took no longer."
        ),
    ),
    (
        N_("No usable number"),
        N_(
            "Households with no phone number or chat the team can still write to (none given, or "
            "all found wrong)."
        ),
    ),
    (
        N_("Messaged, never answered"),
        N_("Households to whom at least one message went out and who never answered."),
    ),
    (
        N_("Orientations, by partner"),
        N_(
            "Households the team oriented to each kind of partner: a referral sent with the "
            "household's consent to share with that partner (a household can be oriented to "
            "several)."
        ),
    ),
    (
        N_("What came of the orientations"),
        N_(
            "Households oriented, then those with an orientation taken on by the partner, "
            "refused, left without an answer (as the team recorded it), or still waiting for the "
            "answer."
        ),
    ),
    (
        N_("Causes of the arrears (diagnostics)"),
        N_("Causes recorded in the submitted diagnostics; a household can give several."),
    ),
    (
        N_("Outreach funnel"),
        N_(
            "Households at each step of the outreach: transferred, a message left, answered, "
            "consent to the diagnostic, visit booked, visit held, 15-day check-in answered."
        ),
    ),
    (
        N_("Small numbers"),
        N_(
            "For the State's readers, a number of fewer than {threshold} households is shown as "
            "'< {threshold}', and a percentage or delay computed from it as 'hidden', so that no "
            "household can be recognised."
        ),
    ),
)


def definitions(threshold: int) -> list[tuple[str, str]]:
    """(term, definition) in French, in the order above."""
    return [(gettext(term), gettext(text, threshold=threshold)) for term, text in DEFINITIONS]
