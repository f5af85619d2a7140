"""The signed links of the request for access, e-mailed to its contact: « confirmer » (the address
is his) and « completer » (answer a manager's request for a complément). Signed with the project's
SECRET_KEY (django.core.signing), each for one purpose only; nothing stored."""

from django.core import signing

# How long each link works.
VALIDITE_CONFIRMATION = 2 * 24 * 3600
VALIDITE_COMPLEMENT = 30 * 24 * 3600

_SELS = {"confirmer": "segur.enrolement.confirmer", "completer": "segur.enrolement.completer"}


def jeton(demande_enrolement, objet: str) -> str:
    return signing.dumps({"id": demande_enrolement.pk, "email": demande_enrolement.contact_email}, salt=_SELS[objet])


def id_du_jeton(jeton_signe: str, objet: str, *, validite: int) -> tuple[int, str] | None:
    """(demande id, e-mail address) from a link that is genuine and not expired, otherwise None."""
    try:
        contenu = signing.loads(jeton_signe, salt=_SELS[objet], max_age=validite)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return contenu["id"], contenu["email"]
