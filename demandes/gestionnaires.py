"""The group « Gestionnaires ASP » and exactly the permissions its members need."""

NOM_GROUPE = "Gestionnaires ASP"

# (app, model) -> actions
PERMISSIONS = {
    ("demandes", "demande"): ["view", "change", "instruire", "enregistrer_paiement"],
    ("demandes", "beneficiaire"): ["view"],
    ("demandes", "pieceattendue"): ["view"],
    ("demandes", "paiement"): ["view"],
    ("demandes", "demandedecomplements"): ["view"],
    ("demandes", "fournisseur"): ["view", "add", "change"],
    ("demandes", "solution"): ["view", "add", "change"],
    ("demandes", "utilisateur"): ["view", "add", "change"],
    ("demandes", "couloir"): ["view", "add", "change"],
    ("demandes", "logiciel"): ["view", "add", "change"],
    ("demandes", "operateurmessagerie"): ["view", "add", "change"],
    ("demandes", "typepiece"): ["view", "add", "change"],
    # The ANS référentiel: loaded (import: add + change) and exported (view); never deleted.
    ("demandes", "solutionreferencee"): ["view", "add", "change"],
    # The suppliers' API tokens: seen, and revoked (the admin's only action on them needs « change »).
    ("demandes", "jetonapi"): ["view", "change"],
    # The requests for access: instructed (validated, refused, complément asked: « change »).
    ("demandes", "demandeenrolement"): ["view", "change"],
    # The suppliers' bank details: a change asked by a supplier validated or refused (« change »).
    ("demandes", "coordonneesbancaires"): ["view", "change"],
    ("imports", "import"): ["view"],
    ("imports", "erreurligne"): ["view"],
    ("piecesjointes", "zipdepose"): ["view"],
    ("piecesjointes", "entreezip"): ["view"],
    ("piecesjointes", "piecerecue"): ["view"],
    ("piecesjointes", "piececomplementaire"): ["view"],
}


def codename(modele, action):
    if action == "instruire":
        return "instruire_demande"
    if action == "enregistrer_paiement":
        return "enregistrer_paiement"
    return f"{action}_{modele}"


def creer_groupe(Group, Permission):
    """Idempotent; used by a migration (historical models) and by seed_demo."""
    groupe, _ = Group.objects.get_or_create(name=NOM_GROUPE)
    permissions = []
    for (app, modele), actions in PERMISSIONS.items():
        for action in actions:
            permissions.append(Permission.objects.get(content_type__app_label=app, codename=codename(modele, action)))
    groupe.permissions.set(permissions)
    return groupe
