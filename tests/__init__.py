"""The portal's test suite (pytest-django). Shared fixtures: conftest.py; builders of database rows
and zips: factories.py; JSON files of demandes: documents.py; reading the portal's answers: pages.py;
acting as a supplier: parcours.py. The sub-packages mirror the applications and the engine."""

from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]  # the project's root
