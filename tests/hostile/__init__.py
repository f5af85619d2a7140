"""Hostile corpus of the portal: JSON files and zips generated in memory (tests/hostile/generer.py)."""
