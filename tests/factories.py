"""Builders of what the tests put in the database or send as attachments: solutions, imports,
demandes with their beneficiaries and expected pieces, staff accounts (factory_boy factories, and
the functions the tests call with the numbers they read back), and zips written in memory — with
the bytes zipfile cannot write (symlinks, encryption flag, non-UTF-8 names, lying sizes) patched in.

The demo data (`demo` fixture: fournisseurs relais, unikalo, hopital, their solutions and users)
comes from demandes.management.commands.seed_demo; these builders add to it."""

import datetime
import io
import itertools
import struct
import warnings
import zipfile
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from demandes.models import (
    Beneficiaire,
    CompteurDossier,
    Couloir,
    Demande,
    Fournisseur,
    Logiciel,
    PieceAttendue,
    Solution,
)
from demandes.valeurs import STATUTS_VIVANTS, StatutDemande, TypeDemande
from imports.models import Import

from .documents import ANS, FINESS_1, SIRET_RELAIS

# --- Dates ---------------------------------------------------------------------------------------


def le(jour: str, heure=12, minute=0) -> datetime.datetime:
    """« 2024-02-15 » at noon, Paris time."""
    date = datetime.date.fromisoformat(jour)
    return timezone.make_aware(datetime.datetime(date.year, date.month, date.day, heure, minute))


# --- Solutions --------------------------------------------------------------------------------------


class SolutionFactory(DjangoModelFactory):
    """A solution open for avances and soldes until 2099 (couloir and logiciel given by their code)."""

    class Meta:
        model = Solution

    class Params:
        code_couloir = "MDV"
        code_logiciel = "LGC"

    numero_ans = factory.Sequence(lambda n: f"sol{n:07d}")
    nom = "Solution concurrente"
    couloir = factory.LazyAttribute(lambda o: Couloir.objects.get(code=o.code_couloir))
    logiciel = factory.LazyAttribute(lambda o: Logiciel.objects.get(code=o.code_logiciel))
    vague = 1
    date_referencement = datetime.date(2021, 9, 1)
    plafond_ht = Decimal("12000.00")
    avance_ouverture = factory.LazyFunction(
        lambda: datetime.datetime(2021, 1, 1, tzinfo=timezone.get_current_timezone())
    )
    avance_fermeture = factory.LazyFunction(
        lambda: datetime.datetime(2099, 12, 31, tzinfo=timezone.get_current_timezone())
    )
    solde_ouverture = factory.LazyFunction(
        lambda: datetime.datetime(2021, 1, 1, tzinfo=timezone.get_current_timezone())
    )
    solde_fermeture = factory.LazyFunction(
        lambda: datetime.datetime(2099, 12, 31, tzinfo=timezone.get_current_timezone())
    )


def creer_solution(fournisseur, numero_ans, couloir="MDV", logiciel="LGC") -> Solution:
    """A solution of `fournisseur` (a competitor of relais's mlp525off1 when MDV / LGC)."""
    return SolutionFactory(fournisseur=fournisseur, numero_ans=numero_ans, code_couloir=couloir, code_logiciel=logiciel)


def copie_de_solution(numero_ans, depuis=ANS, **changements) -> Solution:
    """Another numéro ANS with the very data of the solution `depuis` (same supplier, couloir…),
    but for `changements`."""
    modele = Solution.objects.get(numero_ans=depuis)
    champs = {f.name: getattr(modele, f.name) for f in Solution._meta.concrete_fields if f.name != "id"}
    return Solution.objects.create(**{**champs, "numero_ans": numero_ans, **changements})


def solution_concurrente(siret, numero_ans="conc525lgc") -> Solution:
    """A solution of another fournisseur in the same couloir and logiciel as mlp525off1 (MDV / LGC)."""
    return copie_de_solution(
        numero_ans, fournisseur=Fournisseur.objects.get(siret=siret), nom="Cabinet concurrent", vague=1
    )


# --- Imports ----------------------------------------------------------------------------------------


class ImportFactory(DjangoModelFactory):
    """An import row as the simulation leaves it (nothing stored: the file name only)."""

    class Meta:
        model = Import

    class Params:
        siret = SIRET_RELAIS

    fournisseur = factory.LazyAttribute(lambda o: Fournisseur.objects.get(siret=o.siret))
    numero_ans = ANS
    type_demande = "AVANCE"
    taux_tva = "20"
    nom_fichier = factory.Sequence(lambda n: f"import-{n}.json")
    fichier = factory.LazyAttribute(lambda o: f"imports/{o.fournisseur.pk}/{o.nom_fichier}")
    sha256 = "0" * 64
    nb_lignes = 1
    resultat = Import.Resultat.SIMULATION_OK
    etat = Import.Etat.SIMULE
    nb_retenues = 0
    nb_rejetees = 0
    solution = factory.LazyAttribute(lambda o: Solution.objects.filter(numero_ans=o.numero_ans).first())


def creer_import(siret=SIRET_RELAIS, *, nom, retenues=0, rejetees=0, date=None, **champs) -> Import:
    """An import of the supplier `siret`, created on `date` (« Date d'importation »)."""
    import_demandes = ImportFactory(siret=siret, nom_fichier=nom, nb_retenues=retenues, nb_rejetees=rejetees, **champs)
    if date:
        Import.objects.filter(pk=import_demandes.pk).update(date_creation=date)
        import_demandes.refresh_from_db()
    return import_demandes


# --- Demandes ---------------------------------------------------------------------------------------


class DemandeFactory(DjangoModelFactory):
    """A demande written with the ORM (one creation row in its history) on the solution `numero_ans`,
    numbered FIN{couloir}{rang}."""

    class Meta:
        model = Demande

    class Params:
        numero_ans = ANS
        rang = factory.Sequence(lambda n: 800_001 + n)

    solution = factory.LazyAttribute(lambda o: Solution.objects.select_related("couloir").get(numero_ans=o.numero_ans))
    fournisseur_id = factory.LazyAttribute(lambda o: o.solution.fournisseur_id)
    numero = factory.LazyAttribute(lambda o: f"FIN{o.solution.couloir.code}{o.rang:06d}")
    version = 0
    type_demande = TypeDemande.AVANCE
    numero_editeur = factory.LazyAttribute(lambda o: f"E{o.rang:05d}")
    date_commande = datetime.date(2021, 11, 24)
    regime_tva = "TTC"
    montant_ht = Decimal("1000.00")
    statut = StatutDemande.DEPOSEE


class BeneficiaireFactory(DjangoModelFactory):
    """A beneficiary carrying, as the real import writes it, its demande's type, couloir and logiciel."""

    class Meta:
        model = Beneficiaire

    nature = factory.LazyAttribute(
        lambda o: Beneficiaire.Nature.RPPS if len(o.identifiant) == 11 else Beneficiaire.Nature.FINESS_GEO
    )
    type_demande = factory.LazyAttribute(lambda o: o.demande.type_demande)
    couloir = factory.LazyAttribute(lambda o: o.demande.solution.couloir)
    logiciel = factory.LazyAttribute(lambda o: o.demande.solution.logiciel)
    vivant = factory.LazyAttribute(lambda o: o.demande.statut in STATUTS_VIVANTS)


class PieceAttendueFactory(DjangoModelFactory):
    class Meta:
        model = PieceAttendue

    format_fichier = "PDF"
    type_fichier = "BON_COMMANDE"


def creer_demande(
    n,
    statut=StatutDemande.DEPOSEE,
    *,
    numero_ans=ANS,
    type_demande=TypeDemande.AVANCE,
    montant="1000.00",
    paiement="",
    editeur=None,
    beneficiaires=(),
    pieces=(),
    finess_juridique="",
    depot=None,
) -> Demande:
    """A demande as an ASP manager finds it, numbered FIN{couloir}{n}: `beneficiaires` are
    (nature, identifiant), `pieces` the names of its expected pieces, `depot` its day of deposit."""
    demande = DemandeFactory(
        numero_ans=numero_ans,
        rang=n,
        statut=statut,
        type_demande=type_demande,
        montant_ht=Decimal(montant),
        statut_paiement=paiement,
        numero_editeur=editeur or f"E{n:05d}",
        finess_juridique=finess_juridique,
        commande_pour="LIBERAL" if any(nature == "RPPS" for nature, _ in beneficiaires) else "STRUCTURE",
        scenario={"isCentreDeSante": True, "operateurMessagerie": "MAI_15"},
    )
    for nature, identifiant in beneficiaires:
        BeneficiaireFactory(demande=demande, nature=nature, identifiant=identifiant)
    for nom in pieces:
        PieceAttendueFactory(demande=demande, nom_fichier=nom)
    if depot:
        deposee_le(demande, depot)
        demande.refresh_from_db()
    return demande


_existantes = itertools.count(1)


def demande_existante(
    numero_ans=ANS,
    *,
    type_demande="AVANCE",
    statut=StatutDemande.DEPOSEE,
    version=0,
    beneficiaires=(FINESS_1,),
    numero_editeur=None,
    numero=None,
) -> Demande:
    """A demande already in the database when a file is simulated (E103, E104, E306), numbered
    FIN{couloir}9xxxxx, numéro éditeur EXISTANTE…, with its beneficiaries (FINESS or RPPS
    identifiers)."""
    rang = next(_existantes)
    demande = DemandeFactory(
        numero_ans=numero_ans,
        rang=900_000 + rang,
        **({"numero": numero} if numero else {}),
        numero_editeur=numero_editeur or f"EXISTANTE{rang}",
        type_demande=type_demande,
        statut=statut,
        version=version,
    )
    for identifiant in beneficiaires:
        BeneficiaireFactory(demande=demande, identifiant=identifiant)
    return demande


def demande_vivante(
    solution, *, identifiants, numero, editeur, type_demande=TypeDemande.AVANCE, statut=StatutDemande.DEPOSEE
) -> Demande:
    """A demande as the real import leaves it, written straight into the database (by another
    fournisseur, or meanwhile): its FINESS géographiques carry its type, couloir and logiciel, and
    are `vivant` while its status is."""
    demande = DemandeFactory(
        solution=solution, numero=numero, numero_editeur=editeur, type_demande=type_demande, statut=statut
    )
    for identifiant in identifiants:
        BeneficiaireFactory(
            demande=demande,
            nature=Beneficiaire.Nature.FINESS_GEO,
            identifiant=identifiant,
            vivant=statut in STATUTS_VIVANTS,
        )
    return demande


def compteur_du_couloir(existant: bool, couloir="MDV"):
    """Whether the couloir's counter row exists before concurrent imports: it does once the
    couloir has had a first import (the usual case); it does not for the very first one."""
    if existant:
        CompteurDossier.objects.create(couloir=Couloir.objects.get(code=couloir), dernier=0)


def creer_demandes(
    numero_ans=ANS,
    nombre=1,
    *,
    debut=1,
    type_demande=TypeDemande.AVANCE,
    statut=StatutDemande.EN_ATTENTE_PIECES,
    paiement="",
    editeur="E",
    montant="1000.00",
):
    """Demandes written straight into the table (bulk_create: no history), numbered from `debut`."""
    solution = Solution.objects.select_related("couloir").get(numero_ans=numero_ans)
    return Demande.objects.bulk_create(
        [
            DemandeFactory.build(
                solution=solution,
                rang=n,
                numero_editeur=f"{editeur}{n}",
                type_demande=type_demande,
                statut=statut,
                statut_paiement=paiement,
                montant_ht=Decimal(montant),
            )
            for n in range(debut, debut + nombre)
        ],
        batch_size=500,
    )


def deposee_le(demande, jour, heure=12):
    """As if the demande had been deposited on `jour` (« 2024-02-15 »), at noon unless told."""
    Demande.objects.filter(pk=demande.pk).update(date_depot=le(jour, heure))


# --- Accounts ---------------------------------------------------------------------------------------


def nouveau_staff(nom="agent", *permissions) -> object:
    """A staff account outside the group « Gestionnaires ASP », with only these permissions."""
    agent = get_user_model().objects.create_user(nom, password="demo", is_staff=True)
    for permission in permissions:
        app, codename = permission.split(".")
        agent.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return agent


# --- Attachments: files and zips -----------------------------------------------------------------

NOM_PIECE = "MDV-LGC-Va1-BDC-00001.pdf"  # the piece expected by the guide's TTC example
NOM_PIECE_2 = "MDV-LGC-Va1-BDC-00002.pdf"
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PDF_BIS = PDF.replace(b"%%EOF", b"% seconde version\n%%EOF")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 64
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 200
MO = 1024 * 1024
TROIS_MO = 3 * MO
PIC_MAX = 150 * MO  # the worker's memory budget, whatever the zip


def pdf_de_taille(taille: int) -> bytes:
    return (PDF + b"%" + b"0" * taille)[:taille]


def zip_de(*entrees, compression=zipfile.ZIP_DEFLATED, commentaire=b"") -> bytes:
    """A zip of (name or ZipInfo, content) entries, written in memory."""
    tampon = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # « Duplicate name » is what some tests want
        with zipfile.ZipFile(tampon, "w", compression) as archive:
            for nom, contenu in entrees:
                archive.writestr(nom, contenu)
            archive.comment = commentaire
    return tampon.getvalue()


def zip_de_taille(taille: int, nom=NOM_PIECE) -> bytes:
    """A valid zip of exactly `taille` bytes holding the piece `nom` (padded with the archive comment)."""
    archive = zip_de((nom, PDF))
    assert len(archive) <= taille
    return zip_de((nom, PDF), commentaire=b"x" * (taille - len(archive)))


def entetes(archive: bytes) -> list[tuple[int, int]]:
    """(offset of the local header, offset of the central directory header) of each entry."""
    fin = archive.rindex(b"PK\x05\x06")
    nombre, _taille, debut = struct.unpack_from("<HII", archive, fin + 10)
    resultat, position = [], debut
    for _ in range(nombre):
        assert archive[position : position + 4] == b"PK\x01\x02"
        longueur_nom, longueur_extra, longueur_commentaire = struct.unpack_from("<HHH", archive, position + 28)
        local = struct.unpack_from("<I", archive, position + 42)[0]
        assert archive[local : local + 4] == b"PK\x03\x04"
        resultat.append((local, position))
        position += 46 + longueur_nom + longueur_extra + longueur_commentaire
    return resultat


def avec_drapeau_chiffre(archive: bytes) -> bytes:
    """Sets the « encrypted » bit of every entry (zipfile clears it when writing)."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        octets[local + 6] |= 0x01
        octets[central + 8] |= 0x01
    return bytes(octets)


def avec_taille_declaree(archive: bytes, taille: int) -> bytes:
    """Declares `taille` as the uncompressed size of every entry (local and central headers)."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        struct.pack_into("<I", octets, local + 22, taille)
        struct.pack_into("<I", octets, central + 24, taille)
    return bytes(octets)


def avec_version_requise(archive: bytes, version: int) -> bytes:
    """Sets « version needed to extract » of every entry."""
    octets = bytearray(archive)
    for local, central in entetes(archive):
        struct.pack_into("<H", octets, local + 4, version)
        struct.pack_into("<H", octets, central + 6, version)
    return bytes(octets)


def avec_octets_de_nom(archive: bytes, provisoire: str, octets_nom: bytes) -> bytes:
    """Replaces an ASCII placeholder name by raw bytes (same length), UTF-8 flag unset."""
    assert len(provisoire.encode()) == len(octets_nom)
    assert archive.count(provisoire.encode()) == 2  # local header + central directory
    return archive.replace(provisoire.encode(), octets_nom)
