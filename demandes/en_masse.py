"""SQL in bulk, for the real import's batches: a fixed number of statements per batch of rows and
no model instance built. The real import runs them under the couloir's lock, where every second
counts: the other imports of the couloir wait.

Used by demandes.services (status changes and their history rows) and imports.ecriture (the rows
of the file's lines). Values are given as the database takes them (`valeur_pour_la_base`).
"""

import datetime
import io
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from django.db import connection, models

# Rows written, or ids named in an IN (...), per statement: under the 999 bound parameters of the
# most cautious SQLite builds for the lists of ids.
TAILLE_LOT = 900
# Bound parameters of one statement: SQLite admits 32 766 since 3.32, PostgreSQL 65 535.
MAX_PARAMETRES = 30_000

_T = TypeVar("_T")


def par_lots(valeurs: Sequence[_T], taille: int = TAILLE_LOT) -> Iterator[Sequence[_T]]:
    """`valeurs` in consecutive slices of at most `taille`."""
    for debut in range(0, len(valeurs), taille):
        yield valeurs[debut : debut + taille]


def _champ(modele: type[models.Model], nom: str) -> models.Field:
    """The concrete field `nom` of the model (a column)."""
    return cast(models.Field, modele._meta.get_field(nom))


def _colonne(modele: type[models.Model], nom: str) -> str:
    """The quoted column of the field `nom`."""
    return connection.ops.quote_name(cast(str, _champ(modele, nom).column))


def sur_postgresql() -> bool:
    return connection.vendor == "postgresql"


def valeur_pour_la_base(champ: models.Field, valeur: Any) -> Any:
    """`valeur` of `champ` as a raw statement takes it (what save() would send): JSON as its text,
    dates and decimals adapted by the backend, a model instance of a foreign key as its id."""
    if isinstance(champ, models.JSONField):
        return None if valeur is None else json.dumps(valeur, cls=champ.encoder, ensure_ascii=False)
    return champ.get_db_prep_save(valeur, connection)


def verifier_colonnes(modele: type[models.Model], champs: Sequence[str]) -> None:
    """Refuses a raw INSERT that leaves out a column (see colonnes_obligatoires)."""
    manquants = colonnes_obligatoires(modele) - set(champs)
    if manquants:
        raise ValueError(f"{modele.__name__} : colonnes non fournies à l'INSERT en masse : {sorted(manquants)}")


def colonnes_obligatoires(modele: type[models.Model]) -> set[str]:
    """The fields a raw INSERT must name: every concrete column but a generated primary key.
    Django's defaults (default=, auto_now…) live in Python, not in the database: a column left
    out would get NULL, or fail."""
    return {
        champ.name
        for champ in modele._meta.concrete_fields
        if not (champ.primary_key and isinstance(champ, models.AutoField))
    }


def allouer_identifiants(modele: type[models.Model], nombre: int) -> list[int] | None:
    """`nombre` primary keys taken from the table's sequence (PostgreSQL; None elsewhere), outside
    any lock: rows written later with these ids need no RETURNING, and what points at them (their
    beneficiaries, pieces) can be laid out beforehand. A rolled-back import leaves a gap in the
    ids, nothing else."""
    if not sur_postgresql():
        return None
    if nombre == 0:
        return []
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [modele._meta.db_table, cast(models.Field, modele._meta.pk).column, nombre],
        )
        return [identifiant for (identifiant,) in curseur.fetchall()]


def inserer(modele: type[models.Model], lignes: list[dict[str, Any]], *, retour: Sequence[str] = ()) -> list[tuple]:
    """INSERTs the rows: PostgreSQL's COPY when nothing is to be returned (about 4× faster than
    a multi-row INSERT: no statement to parse, no parameter to interpolate), otherwise multi-row
    INSERT statements. Unlike bulk_create it builds no model instance and prepares no value one
    by one (the main cost of a 10 000-line import): the values must already be as the database
    takes them (valeur_pour_la_base), foreign keys given by id under the field's name, every column
    named (colonnes_obligatoires). `retour`: columns returned per row (multi-row INSERT)."""
    if not lignes:
        return []
    champs = list(lignes[0])
    if sur_postgresql() and not retour:
        copier(modele, champs, (ligne_copy(ligne[champ] for champ in champs) for ligne in lignes))
        return []
    verifier_colonnes(modele, champs)
    quote = connection.ops.quote_name
    table = quote(modele._meta.db_table)
    colonnes = ", ".join(_colonne(modele, champ) for champ in champs)
    marque = "(" + ", ".join(["%s"] * len(champs)) + ")"
    retournees = []
    with connection.cursor() as curseur:
        for lot in par_lots(lignes, max(1, MAX_PARAMETRES // len(champs))):
            sql = f"INSERT INTO {table} ({colonnes}) VALUES {', '.join([marque] * len(lot))}"
            if retour:
                sql += " RETURNING " + ", ".join(_colonne(modele, c) for c in retour)
            curseur.execute(sql, [ligne[champ] for ligne in lot for champ in champs])
            if retour:
                retournees += curseur.fetchall()
    return retournees


def inserer_valeurs(
    modele: type[models.Model], champs: Sequence[models.Field], lignes: Iterable[Sequence[Any]]
) -> None:
    """INSERTs rows given as Python values (as a model instance's attributes hold them) for these
    fields, converted here: on PostgreSQL straight into COPY's text format (dates, decimals and
    text as they print, JSON as its text), elsewhere through valeur_pour_la_base."""
    noms = [champ.name for champ in champs]
    if sur_postgresql():
        json_ = {rang: champ.encoder for rang, champ in enumerate(champs) if isinstance(champ, models.JSONField)}
        copier(
            modele,
            noms,
            (
                ligne_copy(
                    json.dumps(valeur, cls=json_[rang], ensure_ascii=False)
                    if rang in json_ and valeur is not None
                    else valeur
                    for rang, valeur in enumerate(ligne)
                )
                for ligne in lignes
            ),
        )
        return
    inserer(
        modele,
        [
            {nom: valeur_pour_la_base(champ, valeur) for nom, champ, valeur in zip(noms, champs, ligne, strict=True)}
            for ligne in lignes
        ],
    )


# COPY's text format: backslash, tab and line breaks escaped, NULL written \N (a NUL character
# cannot reach here: the engine refuses it in any string of a file).
_ECHAPPEMENTS = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def texte_copy(valeur: Any) -> str:
    """A value (as the database takes it) in COPY's text format."""
    if valeur is None:
        return "\\N"
    if valeur is True:
        return "t"
    if valeur is False:
        return "f"
    if isinstance(valeur, (datetime.date, datetime.datetime)):
        return valeur.isoformat()
    return str(valeur).translate(_ECHAPPEMENTS)


def ligne_copy(valeurs: Iterable[Any]) -> str:
    """One row in COPY's text format, with its line break."""
    return "\t".join([texte_copy(valeur) for valeur in valeurs]) + "\n"


def copier(modele: type[models.Model], champs: Sequence[str], lignes: Iterable[str]) -> None:
    """PostgreSQL's COPY … FROM STDIN of rows already in its text format (ligne_copy), in one
    statement: the real import lays them out before the couloir's lock, and only sends them under it."""
    verifier_colonnes(modele, champs)
    quote = connection.ops.quote_name
    colonnes = ", ".join(_colonne(modele, champ) for champ in champs)
    texte = "".join(lignes)
    if texte:
        with connection.cursor() as curseur:
            _copy_brut(curseur, f"COPY {quote(modele._meta.db_table)} ({colonnes}) FROM STDIN", texte)


def _copy_brut(curseur: Any, sql: str, texte: str) -> None:
    """COPY … FROM STDIN of `texte`, through Django's execute wrappers (private but stable since
    Django 2.0), like any statement: whoever counts or times the statements sees this one too."""

    def executer(sql: str, params: object, many: bool, context: dict) -> None:
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            curseur.cursor.copy_expert(sql, io.StringIO(texte))

    curseur._execute_with_wrappers(sql, None, False, executor=executer)


def mettre_a_jour(objets: Sequence[models.Model], champs: Sequence[str]) -> None:
    """Writes `champs` of these instances (all of one model), each row its own values: on
    PostgreSQL one UPDATE … FROM a temporary table filled by COPY, elsewhere one UPDATE … FROM a
    list of VALUES per batch. QuerySet.bulk_update writes the same with a CASE WHEN per field and
    row, whose building costs seconds of Python for a few thousand rows (and which PostgreSQL then
    evaluates in time rows × batch)."""
    if not objets:
        return
    modele = type(objets[0])
    meta = modele._meta
    cle = cast(models.Field, meta.pk)
    ecrits = [_champ(modele, champ) for champ in champs]
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33):  # no UPDATE … FROM before
        modele._base_manager.bulk_update(objets, champs, batch_size=TAILLE_LOT)
        return
    if sur_postgresql():
        _mettre_a_jour_par_copie(objets, cle, ecrits)
        return
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    noms = [f"v{rang}" for rang in range(len(ecrits) + 1)]
    cle_sql = _colonne(modele, cle.name)
    ligne = "(" + ", ".join(["%s"] * len(noms)) + ")"
    affectations = ", ".join(
        f"{_colonne(modele, champ.name)} = v.{nom}" for champ, nom in zip(ecrits, noms[1:], strict=True)
    )
    with connection.cursor() as curseur:
        for lot in par_lots(objets, max(1, min(TAILLE_LOT, MAX_PARAMETRES // len(noms)))):
            curseur.execute(
                f"WITH v ({', '.join(noms)}) AS (VALUES {', '.join([ligne] * len(lot))}) "
                f"UPDATE {table} SET {affectations} FROM v WHERE {table}.{cle_sql} = v.{noms[0]}",
                [
                    valeur_pour_la_base(champ, getattr(objet, champ.attname))
                    for objet in lot
                    for champ in (cle, *ecrits)
                ],
            )


def _mettre_a_jour_par_copie(objets: Sequence[models.Model], cle: models.Field, ecrits: list[models.Field]) -> None:
    """PostgreSQL: the new values COPYed into a temporary table of the same column types, then one
    UPDATE … FROM it, and the table dropped (four statements whatever the number of rows, no
    parameter to interpolate; a rollback takes the table away too)."""
    modele = type(objets[0])
    quote = connection.ops.quote_name
    table = quote(modele._meta.db_table)
    temporaire = quote(f"en_masse_{modele._meta.db_table}")
    colonnes = [_colonne(modele, champ.name) for champ in (cle, *ecrits)]
    with connection.cursor() as curseur:
        curseur.execute(
            f"CREATE TEMPORARY TABLE {temporaire} AS SELECT {', '.join(colonnes)} FROM {table} WITH NO DATA"
        )
        json_ = {rang for rang, champ in enumerate((cle, *ecrits)) if isinstance(champ, models.JSONField)}
        _copy_brut(
            curseur,
            f"COPY {temporaire} ({', '.join(colonnes)}) FROM STDIN",
            "".join(
                ligne_copy(
                    json.dumps(valeur, ensure_ascii=False) if rang in json_ and valeur is not None else valeur
                    for rang, valeur in enumerate(getattr(objet, champ.attname) for champ in (cle, *ecrits))
                )
                for objet in objets
            ),
        )
        affectations = ", ".join(f"{colonne} = t.{colonne}" for colonne in colonnes[1:])
        curseur.execute(
            f"UPDATE {table} SET {affectations} FROM {temporaire} t WHERE {table}.{colonnes[0]} = t.{colonnes[0]}"
        )
        curseur.execute(f"DROP TABLE {temporaire}")


def supprimer(queryset: models.QuerySet) -> None:
    """Deletes the rows and, first, what cascades from them, in one statement per table.
    QuerySet.delete() would SELECT the rows to collect their cascades, then delete them 100 ids
    at a time. A relation that does not cascade (PROTECT, SET_NULL…) is left to QuerySet.delete()."""
    relations = queryset.model._meta.related_objects
    if any(relation.on_delete is not models.CASCADE for relation in relations):
        queryset.delete()
        return
    for relation in relations:  # PieceAttendue: the pieces received for it (piecesjointes)
        relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset.values("pk")}).delete()
    queryset._raw_delete(queryset.db)  # no cascade left: one DELETE … WHERE (private, stable since Django 1.9)
