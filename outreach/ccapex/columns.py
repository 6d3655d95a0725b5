"""The columns of the CCAPEX list and the spellings real exports use for them.

Headers are matched folded (any case, with or without accents or punctuation), so each spelling
below also stands for "Téléphone", "TELEPHONE", "téléphone :" and so on.
"""

from __future__ import annotations

from messages import N_, gettext
from outreach.ccapex.reading import ColumnSpec

CCAPEX_COLUMNS = ColumnSpec(
    synonyms={
        "reference": (
            "ref",
            "référence dossier",
            "réf dossier",
            "n° dossier",
            "nº dossier",
            "no dossier",
            "numéro dossier",
            "numéro de dossier",
            "n° de dossier",
            "num dossier",
            "dossier",
            "id dossier",
            "identifiant",
            "référence CCAPEX",
            "n° CCAPEX",
        ),
        "nom": (
            "nom de famille",
            "nom locataire",
            "nom du locataire",
            "locataire",
            "nom d'usage",
            "nom usage",
            "nom occupant",
        ),
        "prenom": ("prénoms", "prénom locataire", "prénom du locataire", "prénom occupant"),
        "telephone": (
            "tél",
            "tel",
            "tél 1",
            "téléphone 1",
            "téléphone1",
            "tel1",
            "portable",
            "mobile",
            "téléphone portable",
            "tél portable",
            "numéro de téléphone",
            "n° téléphone",
            "téléphone locataire",
            "tél locataire",
        ),
        "telephone2": (
            "tél 2",
            "tel2",
            "téléphone 2",
            "autre téléphone",
            "second téléphone",
            "téléphone fixe",
            "tél fixe",
            "fixe",
        ),
        "adresse": ("adresse postale", "adresse du logement", "adresse logement", "rue", "voie"),
        "code_postal": ("cp", "codepostal", "code postal logement"),
        "commune": ("ville", "localité", "commune du logement", "commune logement"),
        "code_insee": (
            "insee",
            "code insee",
            "code commune",
            "code commune insee",
            "code insee commune",
            "code insee du logement",
            "cog",
        ),
        "etape": (
            "étape de la procédure",
            "étape procédure",
            "stade",
            "stade de la procédure",
            "stade procédure",
            "procédure",
            "phase",
            "état de la procédure",
        ),
        "date_cdp": (
            "date du cdp",
            "date commandement de payer",
            "date du commandement de payer",
            "date commandement",
            "cdp le",
        ),
        "date_assignation": ("date de l'assignation", "date d'assignation", "assignation le"),
        "date_audience": ("date de l'audience", "date d'audience", "audience le"),
        "montant_dette": (
            "montant de la dette",
            "montant dette",
            "dette",
            "montant",
            "montant impayé",
            "montant des impayés",
            "montant de l'impayé",
            "arriérés",
            "montant des arriérés",
            "dette locative",
            "montant de la dette locative",
        ),
        "bailleur_nom": (
            "bailleur",
            "nom bailleur",
            "nom du bailleur",
            "propriétaire",
            "nom propriétaire",
            "nom du propriétaire",
        ),
        "bailleur_telephone": (
            "téléphone bailleur",
            "tél bailleur",
            "téléphone du bailleur",
            "bailleur tél",
            "téléphone propriétaire",
        ),
        "bailleur_email": (
            "email bailleur",
            "e-mail bailleur",
            "mail bailleur",
            "courriel bailleur",
            "e-mail du bailleur",
            "adresse mail bailleur",
            "bailleur mail",
            "bailleur courriel",
        ),
        "langue": ("langue parlée", "language", "langue du ménage", "langue usuelle"),
    },
    required=("reference", "nom"),
)

# What the team reads for each column (import page, import report).
COLUMN_LABELS = {
    "reference": N_("CCAPEX reference"),
    "nom": N_("Last name"),
    "prenom": N_("First name"),
    "telephone": N_("Phone"),
    "telephone2": N_("Second phone"),
    "adresse": N_("Address of the home"),
    "code_postal": N_("Postcode"),
    "commune": N_("Commune"),
    "code_insee": N_("INSEE code of the commune"),
    "etape": N_("Procedure stage"),
    "date_cdp": N_("Date of the order to pay (CDP)"),
    "date_assignation": N_("Date of the summons"),
    "date_audience": N_("Date of the hearing"),
    "montant_dette": N_("Rent arrears"),
    "bailleur_nom": N_("Landlord"),
    "bailleur_telephone": N_("Landlord's phone"),
    "bailleur_email": N_("Landlord's e-mail"),
    "langue": N_("Language"),
}
# A fictional household for the template file (ARCEP's fiction range, an invented address).
TEMPLATE_EXAMPLE = {
    "reference": "CCAPEX-2026-03-001",
    "nom": "Exemple",
    "prenom": "Camille",
    "telephone": "06 39 98 00 01",
    "adresse": "12 rue de l'Exemple",
    "code_postal": "62000",
    "commune": "Arras",
    "etape": "cdp",
    "date_cdp": "15/02/2026",
    "montant_dette": "1250,00",
    "bailleur_nom": "SCI Exemple",
    "langue": "fr",
}


def column_label(name: str) -> str:
    return gettext(COLUMN_LABELS[name]) if name in COLUMN_LABELS else name
