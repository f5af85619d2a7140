"""Zip intake of attachments (issue 4)."""
