"""The national référentiels every installation starts with (loaded by a data migration;
the admin can extend them)."""

COULOIRS = [
    ("HOP", "Hôpital"),
    ("MDV", "Médecin de ville"),
    ("BIO", "Biologie"),
    ("RAD", "Radiologie"),
    ("OFF", "Officine"),
    ("MSO", "Médico-social"),
]
LOGICIELS = [
    ("DPI", "Dossier patient informatisé"),
    ("PFI", "Plateforme d'intermédiation"),
    ("RI", "Rapprochement d'identités"),
    ("LGC", "Logiciel de gestion de cabinet"),
    ("SGL", "Système de gestion de laboratoire"),
    ("RIS", "Système d'information de radiologie"),
    ("LGO", "Logiciel de gestion d'officine"),
    ("DUI", "Dossier usager informatisé"),
]
OPERATEURS_MESSAGERIE = [
    ("MAI_15", "Opérateur de messagerie MAI_15"),
    ("API_35", "Opérateur de messagerie API_35"),
]
TYPES_PIECES = [
    ("BON_COMMANDE", "BDC", "Bon de commande"),
    ("PRELVE_HT", "HT", "Justificatif du régime HT"),
    ("MANDAT", "MAN", "Mandat"),
    ("FACTURE", "FAC", "Facture"),
    ("PV_VSR", "VSR", "Procès-verbal de vérification de service régulier"),
    ("AUTRE", "AUT", "Autre pièce"),
]


def charger(Couloir, Logiciel, OperateurMessagerie, TypePiece):
    for code, libelle in COULOIRS:
        Couloir.objects.get_or_create(code=code, defaults={"libelle": libelle})
    for code, libelle in LOGICIELS:
        Logiciel.objects.get_or_create(code=code, defaults={"libelle": libelle})
    for code, libelle in OPERATEURS_MESSAGERIE:
        OperateurMessagerie.objects.get_or_create(code=code, defaults={"libelle": libelle})
    for code, code_nomenclature, libelle in TYPES_PIECES:
        TypePiece.objects.get_or_create(
            code=code, defaults={"code_nomenclature": code_nomenclature, "libelle": libelle}
        )
