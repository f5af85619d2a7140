"""The public pages of the request for access (no login: the visitor has no account yet).
« Demander un accès » → « Demande enregistrée » (the confirmation e-mail, sent again on request) →
the e-mailed link « confirmer » → « Demande transmise à l'ASP »; later, the link « completer » of a
manager's request for a complément. Every POST is throttled per client address
(SEGUR_LIMITE_DEMANDES_ACCES): these pages send e-mails and store files for anyone."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_ratelimit.core import is_ratelimited

from segur_portal import formats
from segur_portal.journal import journal

from ..models import DemandeEnrolement
from . import depot, liens
from .formulaires import ComplementForm, DemandeAccesForm

Statut = DemandeEnrolement.Statut

MESSAGE_LIMITE = "Trop de demandes d'accès envoyées depuis votre connexion : réessayez dans une heure."
MESSAGE_LIEN_CONFIRMATION_INVALIDE = (
    "Ce lien de confirmation n'est plus valable (il a expiré ou il est incomplet) : "
    "déposez une nouvelle demande d'accès."
)
MESSAGE_LIEN_COMPLEMENT_INVALIDE = (
    "Ce lien de complément n'est plus valable (il a expiré ou il est incomplet) : si l'ASP attend encore "
    "un complément de votre part, demandez-lui un nouveau lien."
)
MESSAGE_DEJA_CONFIRMEE = "Votre adresse est déjà confirmée : votre demande est entre les mains de l'ASP."
MESSAGE_DEJA_INSTRUITE = (
    "Votre adresse est déjà confirmée et votre demande a été instruite par l'ASP : "
    "la décision vous a été envoyée par courriel."
)

# Session keys: the request just deposited (its « Demande enregistrée » page and « Renvoyer le
# courriel de confirmation »: the visitor's own request only, never one chosen by an id in the URL)
# and the one just confirmed or completed (the page « Demande transmise à l'ASP »).
CLE_DEPOSEE = "demande_acces_deposee"
CLE_TRANSMISE = "demande_acces_transmise"

# The pages showing a request (its contact, its IBAN in the complément's form) to whoever holds its
# link or session are never kept by a browser's or a proxy's cache (CachePriveMiddleware only
# covers logged-in users).
pas_de_cache = method_decorator(never_cache, name="dispatch")


def _limitee(request, page: str) -> bool:
    """Counts this POST against the client address's allowance (one for all these pages)."""
    limitee = is_ratelimited(
        request,
        group="enrolement.demande_acces",
        key="ip",
        rate=settings.SEGUR_LIMITE_DEMANDES_ACCES,
        method="POST",
        increment=True,
    )
    if limitee:
        journal.warning("demande_acces_limitee", page=page)
    return limitee


def _valide(request, formulaire) -> bool:
    """is_valid(), and a RIB dropped by the upload handler (past the portal's upload limit) said to
    be too big rather than missing."""
    valide = formulaire.is_valid()
    if getattr(request, "upload_too_large", False):
        taille = formats.taille_lisible(settings.SEGUR_MAX_PIECE_BYTES)
        formulaire.errors["rib"] = formulaire.error_class([f"Le RIB dépasse {taille} : joignez un PDF plus léger."])
        return False
    return valide


def _saisie(request) -> dict[str, str]:
    """The fields of a POST refused before its validation, to fill the form again."""
    return {nom: valeur for nom, valeur in request.POST.items() if nom != "csrfmiddlewaretoken"}


def _envoyer_confirmation(request, demande: DemandeEnrolement, *, renvoi: bool = False) -> None:
    chemin = reverse("demande_acces_confirmer", kwargs={"jeton": liens.jeton(demande, "confirmer")})
    envoye = depot.envoyer_confirmation(demande, lien=request.build_absolute_uri(chemin))
    request.session[CLE_DEPOSEE] = {"id": demande.pk, "envoye": envoye, "renvoye": renvoi and envoye}


def _demande_du_lien(jeton: str, objet: str, validite: int) -> DemandeEnrolement | None:
    """The request a signed link names, if genuine, not expired, and still for the same address."""
    contenu = liens.id_du_jeton(jeton, objet, validite=validite)
    if contenu is None:
        return None
    identifiant, email = contenu
    return DemandeEnrolement.objects.filter(pk=identifiant, contact_email=email).first()


class ConditionsView(TemplateView):
    template_name = "enrolement/conditions.html"


@pas_de_cache
class DemandeAccesView(View):
    """« Demander un accès »: the form; on success the request is stored and its contact e-mailed."""

    template_name = "enrolement/demande_acces.html"

    def get(self, request):
        return render(request, self.template_name, {"form": DemandeAccesForm()})

    def post(self, request):
        if _limitee(request, "depot"):
            # What was typed, shown again but not validated: a refused POST costs no query.
            contexte = {"form": DemandeAccesForm(initial=_saisie(request)), "limite": MESSAGE_LIMITE}
            return render(request, self.template_name, contexte, status=429)
        formulaire = DemandeAccesForm(request.POST, request.FILES)
        if not _valide(request, formulaire):
            return render(request, self.template_name, {"form": formulaire})
        donnees = formulaire.cleaned_data
        demande = depot.deposer(donnees, rib=donnees["rib"])
        _envoyer_confirmation(request, demande)
        return redirect("demande_acces_enregistree")


@pas_de_cache
class DemandeEnregistreeView(View):
    """« Demande enregistrée »: where the e-mail went (or that it could not be sent) and for how long
    its link works; « Renvoyer le courriel de confirmation »."""

    template_name = "enrolement/demande_acces_enregistree.html"

    def contexte(self, request):
        memoire = request.session.get(CLE_DEPOSEE)
        if not memoire:
            return None
        demande = DemandeEnrolement.objects.filter(pk=memoire["id"]).first()
        if demande is None:
            return None
        return {
            "demande": demande,
            "envoye": memoire["envoye"],
            "renvoye": memoire.get("renvoye", False),
            "a_confirmer": demande.statut == Statut.ADRESSE_A_CONFIRMER,
            "validite_heures": liens.VALIDITE_CONFIRMATION // 3600,
        }

    def get(self, request):
        contexte = self.contexte(request)
        if contexte is None:
            return redirect("demande_acces")
        return render(request, self.template_name, contexte)


class RenvoyerConfirmationView(DemandeEnregistreeView):
    """POST « Renvoyer le courriel de confirmation », for the request this session deposited."""

    def get(self, request):
        return redirect("demande_acces_enregistree")

    def post(self, request):
        contexte = self.contexte(request)
        if contexte is None:
            return redirect("demande_acces")
        if _limitee(request, "renvoi"):
            return render(request, self.template_name, {**contexte, "limite": MESSAGE_LIMITE}, status=429)
        if contexte["a_confirmer"]:  # confirmed meanwhile: the page says so, nothing is sent
            _envoyer_confirmation(request, contexte["demande"], renvoi=True)
        return redirect("demande_acces_enregistree")


@pas_de_cache
class ConfirmerAdresseView(View):
    """The e-mailed link: GET shows what is confirmed and a button; only its POST confirms (a mail
    scanner that opens the link confirms nothing)."""

    template_name = "enrolement/demande_acces_confirmer.html"

    def contexte(self, demande: DemandeEnrolement | None, **extra):
        if demande is None:
            return {"invalide": MESSAGE_LIEN_CONFIRMATION_INVALIDE, **extra}
        if demande.statut in (Statut.VALIDEE, Statut.REFUSEE):
            return {"demande": demande, "deja": MESSAGE_DEJA_INSTRUITE, **extra}
        if demande.statut != Statut.ADRESSE_A_CONFIRMER:
            return {"demande": demande, "deja": MESSAGE_DEJA_CONFIRMEE, **extra}
        return {"demande": demande, **extra}

    def get(self, request, jeton):
        demande = _demande_du_lien(jeton, "confirmer", liens.VALIDITE_CONFIRMATION)
        return render(request, self.template_name, self.contexte(demande))

    def post(self, request, jeton):
        demande = _demande_du_lien(jeton, "confirmer", liens.VALIDITE_CONFIRMATION)
        if _limitee(request, "confirmation"):
            return render(request, self.template_name, self.contexte(demande, limite=MESSAGE_LIMITE), status=429)
        if demande is None:
            return render(request, self.template_name, self.contexte(None))
        try:
            confirmee = depot.confirmer(demande.pk)
        except depot.RefusDemandeAcces as refus:
            demande.refresh_from_db()
            return render(request, self.template_name, self.contexte(demande, refus=str(refus)), status=409)
        if not confirmee:
            demande.refresh_from_db()
            return render(request, self.template_name, self.contexte(demande))
        request.session[CLE_TRANSMISE] = {"id": demande.pk, "complement": False}
        return redirect("demande_acces_transmise")


@pas_de_cache
class DemandeTransmiseView(TemplateView):
    """« Demande transmise à l'ASP »: what happens next."""

    template_name = "enrolement/demande_acces_transmise.html"

    def get(self, request, *args, **kwargs):
        memoire = request.session.get(CLE_TRANSMISE) or {}
        demande = DemandeEnrolement.objects.filter(pk=memoire.get("id")).first() if memoire else None
        if demande is None:
            return redirect("demande_acces")
        return self.render_to_response(self.get_context_data(demande=demande, complement=memoire.get("complement")))


@pas_de_cache
class CompleterDemandeView(View):
    """The link of « Demander un complément »: the manager's message and the form prefilled, while
    the request is « Complément demandé »."""

    template_name = "enrolement/demande_acces_completer.html"

    def _page(self, request, demande, formulaire=None, *, status=200, **extra):
        if demande is None:
            return render(request, self.template_name, {"invalide": MESSAGE_LIEN_COMPLEMENT_INVALIDE}, status=status)
        if demande.statut != Statut.COMPLEMENT_DEMANDE:
            contexte = {"demande": demande, "hors_complement": depot.message_sans_complement(demande)}
            return render(request, self.template_name, {**contexte, **extra}, status=status)
        formulaire = formulaire or ComplementForm(demande=demande)
        contexte = {"demande": demande, "form": formulaire, "rib_actuel": bool(demande.rib), **extra}
        return render(request, self.template_name, contexte, status=status)

    def get(self, request, jeton):
        return self._page(request, _demande_du_lien(jeton, "completer", liens.VALIDITE_COMPLEMENT))

    def post(self, request, jeton):
        demande = _demande_du_lien(jeton, "completer", liens.VALIDITE_COMPLEMENT)
        if _limitee(request, "complement"):
            formulaire = ComplementForm(demande=demande, initial=_saisie(request)) if demande else None
            return self._page(request, demande, formulaire, status=429, limite=MESSAGE_LIMITE)
        if demande is None or demande.statut != Statut.COMPLEMENT_DEMANDE:
            return self._page(request, demande)
        formulaire = ComplementForm(request.POST, request.FILES, demande=demande)
        if not _valide(request, formulaire):
            return self._page(request, demande, formulaire)
        donnees = formulaire.cleaned_data
        try:
            depot.completer(demande.pk, donnees, rib=donnees.get("rib") or None)
        except depot.RefusDemandeAcces:
            demande.refresh_from_db()  # answered or decided meanwhile: the page says which
            return self._page(request, demande)
        request.session[CLE_TRANSMISE] = {"id": demande.pk, "complement": True}
        return redirect("demande_acces_transmise")
