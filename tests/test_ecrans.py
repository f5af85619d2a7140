"""Compatibility module, no test: `contenu_telecharge` for tests/test_colonnes_tableaux.py, which
still imports it from here (that file is not to be edited in this change). Import it from its home,
tests/pages.py, instead; once test_colonnes_tableaux.py does, delete this module."""

from .pages import contenu_telecharge

__all__ = ["contenu_telecharge"]
