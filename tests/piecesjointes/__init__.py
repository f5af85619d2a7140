"""Step « 2 - Pièces jointes » (piecesjointes): zips of attachments, their processing by Celery,
hostile archives, their limits, recovery after a fault."""
