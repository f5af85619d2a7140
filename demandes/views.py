from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from segur_portal.formats import taille_lisible
from segur_portal.tableaux import TableauFiltreMixin

from . import jetons
from .acces import EspaceFournisseurMixin
from .enrolement import coordonnees, equipe
from .enrolement.vues_fournisseur import ChangementCoordonneesForm
from .filters import DemandeFilter
from .forms import ConnexionForm, JetonForm
from .selectors import (
    complements_de_la_demande,
    demande_du_fournisseur,
    demandes_a_exporter,
    demandes_du_fournisseur,
    historique_des_statuts,
    jeton_de,
    jetons_de,
    notifications_de,
    pieces_manquantes,
    solutions_du_fournisseur,
)
from .tables import COLONNES, DemandeTable
from .valeurs import StatutDemande, StatutPaiement


class ConnexionView(auth_views.LoginView):
    form_class = ConnexionForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # ASP managers work in the admin; suppliers land on their home page.
        if self.request.user.fournisseur_id is None and self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()


class EnrolementView(EspaceFournisseurMixin, TemplateView):
    """« Enrôlement »: the structure, its solutions and its bank details; its administrator asks for
    a change of bank details here (validated by an ASP manager before payments use it)."""

    template_name = "demandes/enrolement.html"

    def get_context_data(self, form=None, **kwargs):
        administrateur = self.request.user.administrateur_fournisseur
        return super().get_context_data(
            solutions=solutions_du_fournisseur(self.fournisseur),
            enrolement=equipe.enrolement_valide(self.fournisseur),
            coordonnees=coordonnees.coordonnees_validees(self.fournisseur),
            en_attente=coordonnees.coordonnees_en_attente(self.fournisseur),
            refus=coordonnees.dernier_refus(self.fournisseur),
            administrateur=administrateur,
            form=form or (ChangementCoordonneesForm() if administrateur else None),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.administrateur_fournisseur:
            raise PermissionDenied(
                "Seul l'administrateur de votre structure peut demander un changement de coordonnées bancaires."
            )
        form = ChangementCoordonneesForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                coordonnees.demander_changement(
                    self.fournisseur,
                    iban=form.cleaned_data["iban"],
                    bic=form.cleaned_data["bic"],
                    rib=form.cleaned_data["rib"],
                    par=request.user,
                )
            except coordonnees.CoordonneesRefusees as refus:
                form.add_error(None, str(refus))
            else:
                messages.success(
                    request,
                    "Votre demande de changement de coordonnées bancaires est transmise à l'ASP. Les paiements "
                    "restent versés sur le compte actuel jusqu'à sa validation.",
                )
                return redirect(reverse("enrolement") + "#coordonnees-bancaires")
        return self.render_to_response(self.get_context_data(form=form))


class DemandesView(EspaceFournisseurMixin, TableauFiltreMixin, TemplateView):
    """« Liste des demandes d'avance et de solde »: criteria, sortable paginated table, CSV."""

    template_name = "demandes/liste.html"
    table_class = DemandeTable
    texte_si_vide = "Aucune demande pour le moment : les demandes sont créées par l'import réel d'un fichier JSON."

    def creer_filtre(self):
        return DemandeFilter(
            self.request.GET or None, queryset=demandes_du_fournisseur(self.fournisseur), fournisseur=self.fournisseur
        )

    def exporter(self, queryset):
        return exporter_demandes(queryset)


# Session key of the refusals of « Déposer les compléments », shown once on the demande page.
CLE_REFUS_COMPLEMENTS = "refus_complements"


class DemandeView(EspaceFournisseurMixin, TemplateView):
    template_name = "demandes/demande.html"

    def get_context_data(self, **kwargs):
        demande = demande_du_fournisseur(self.fournisseur, self.kwargs["pk"])
        complements = complements_de_la_demande(demande)
        return super().get_context_data(
            demande=demande,
            historique=historique_des_statuts(demande),
            pieces_manquantes=pieces_manquantes(demande),
            complements=complements,
            complement_ouvert=next((c for c in complements if c.ouverte), None),
            # The files refused by the last « Déposer les compléments » of this demande, if any
            # (piecesjointes.views.DeposerComplementsView keeps them for this one display).
            refus_complements=self.refus_complements(demande),
            max_fichiers_complements=settings.SEGUR_MAX_FICHIERS_COMPLEMENTS,
            taille_max_piece=taille_lisible(settings.SEGUR_MAX_PIECE_BYTES),
            **kwargs,
        )

    def refus_complements(self, demande):
        refus = self.request.session.pop(CLE_REFUS_COMPLEMENTS, None)
        return refus if refus and refus.get("demande") == demande.pk else None


def exporter_demandes(queryset):
    return COLONNES.reponse_csv("demandes.csv", demandes_a_exporter(queryset, COLONNES.champs_csv()))


class AideView(EspaceFournisseurMixin, TemplateView):
    """« Besoin d'aide ? »: the whole journey, from the login to the payment, and whom to contact.
    The limits are read from the settings; every status is explained (a status added to
    StatutDemande or StatutPaiement without its explanation here breaks the page's test)."""

    template_name = "demandes/aide.html"

    # (what the status means, what the supplier can do), for each status of a demande.
    EXPLICATIONS_STATUTS = {
        StatutDemande.EN_ATTENTE_PIECES: (
            "La demande a été créée par l'import réel ; ses pièces jointes ne sont pas encore toutes déposées, "
            "ou « Terminer » n'a pas encore été cliqué.",
            "Déposez les pièces manquantes puis cliquez sur « Terminer » (étape « 2 - Pièces jointes » de "
            "l'import). Vous pouvez encore modifier ou annuler la demande.",
        ),
        StatutDemande.DEPOSEE: (
            "Les pièces jointes sont complètes : la demande a été transmise aux gestionnaires de l'ASP, son "
            "instruction n'a pas encore commencé.",
            "Rien, sauf correction : vous pouvez encore la modifier (typeAction M, elle revient alors « En attente "
            "des pièces ») ou l'annuler (typeAction A) par un nouveau fichier JSON.",
        ),
        StatutDemande.EN_INSTRUCTION: (
            "Un gestionnaire de l'ASP examine la demande.",
            "Rien : attendez la décision. La demande ne peut plus être modifiée ni annulée.",
        ),
        StatutDemande.A_COMPLETER: (
            "Le gestionnaire de l'ASP a besoin d'une pièce manquante ou d'une pièce à remplacer : son message est "
            "affiché sur la page de la demande et sur votre accueil.",
            "Lisez le message, puis déposez la ou les pièces demandées depuis la page de la demande (« Déposer les "
            "compléments »). La demande revient alors « En instruction ».",
        ),
        StatutDemande.DECIDEE: (
            "La décision est favorable : la demande va être payée.",
            "Suivez le « Statut du dernier paiement ». Pour une avance, déposez la demande de solde après "
            "l'installation.",
        ),
        StatutDemande.REJETEE: (
            "La décision est défavorable. Le motif du rejet est affiché sur la page de la demande.",
            "Lisez le motif, corrigez ce qu'il indique, puis déposez une nouvelle demande (typeAction C) dans un "
            "nouveau fichier JSON, qui repasse par la simulation. En cas de doute sur le motif, contactez l'ASP.",
        ),
        StatutDemande.ANNULEE: (
            "La demande a été annulée par une ligne typeAction A d'un fichier importé ensuite.",
            "Rien : son numéro éditeur et ses bénéficiaires peuvent servir à une nouvelle demande.",
        ),
    }
    EXPLICATIONS_PAIEMENTS = {
        StatutPaiement.EN_COURS: "L'ASP a enregistré le paiement de la demande ; le versement est en cours.",
        StatutPaiement.EFFECTUE: "Le paiement a été versé.",
    }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuts=[(s.value, *self.EXPLICATIONS_STATUTS[s]) for s in StatutDemande],
            paiements=[(s.value, self.EXPLICATIONS_PAIEMENTS[s]) for s in StatutPaiement],
            limites={
                "json": taille_lisible(settings.SEGUR_MAX_JSON_BYTES),
                "lignes": f"{settings.SEGUR_MAX_LIGNES:,}".replace(",", "\u00a0"),
                "zip": taille_lisible(settings.SEGUR_MAX_ZIP_BYTES),
                "piece": taille_lisible(settings.SEGUR_MAX_PIECE_BYTES),
                "entrees_zip": f"{settings.SEGUR_MAX_ENTREES_ZIP:,}".replace(",", "\u00a0"),
            },
            **kwargs,
        )


class NotificationsView(EspaceFournisseurMixin, TemplateView):
    """« Notifications »: the messages mailed to the logged-in user (his own only), newest first."""

    template_name = "demandes/notifications.html"
    par_page = 20

    def get_context_data(self, **kwargs):
        page = Paginator(notifications_de(self.request.user), self.par_page).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_notifications=page, **kwargs)


# Session key of the token just created: shown once, by the next display of « Accès API », then gone.
CLE_JETON_CREE = "jeton_api_cree"


# The page may show a token in clear: never kept by a browser's or a proxy's cache.
@method_decorator(never_cache, name="dispatch")
class AccesAPIView(EspaceFournisseurMixin, TemplateView):
    """« Accès API »: the user's own tokens (create, list, revoke) and the documentation of the API.
    A new token is shown in clear once, right after its creation; only its digest is stored."""

    template_name = "demandes/acces_api.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or JetonForm(),
            jetons=jetons_de(self.request.user),
            jeton_cree=self.request.session.pop(CLE_JETON_CREE, None),
            limite=settings.SEGUR_API_LIMITE,
            url_portail=settings.SEGUR_URL_PORTAIL,
            limites={
                "json": taille_lisible(settings.SEGUR_MAX_JSON_BYTES),
                "zip": taille_lisible(settings.SEGUR_MAX_ZIP_BYTES),
            },
            duree_max=jetons.DUREE_MAX_JOURS,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = JetonForm(request.POST)
        if form.is_valid():
            try:
                jeton, clair = jetons.creer_jeton(
                    request.user, nom=form.cleaned_data["nom"], jours=form.cleaned_data["jours"]
                )
            except jetons.JetonInvalide as refus:
                form.add_error(None, str(refus))
            else:
                request.session[CLE_JETON_CREE] = {"id": jeton.pk, "nom": jeton.nom, "clair": clair}
                return redirect(reverse("acces_api") + "#jeton-cree")
        return self.render_to_response(self.get_context_data(form=form), status=200)


class RevoquerJetonView(EspaceFournisseurMixin, TemplateView):
    """« Révoquer » a token of the user's own: GET asks for confirmation, POST revokes. Anyone
    else's token is a 404."""

    template_name = "demandes/revoquer_jeton.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(jeton=jeton_de(self.request.user, self.kwargs["pk"]), **kwargs)

    def post(self, request, pk):
        jeton = jeton_de(request.user, pk)
        if jetons.revoquer(jeton, par=request.user):
            messages.success(
                request, f"Le jeton « {jeton.nom} » est révoqué : les appels qui l'utilisent sont désormais refusés."
            )
        else:
            messages.info(request, f"Le jeton « {jeton.nom} » était déjà révoqué.")
        return redirect("acces_api")
