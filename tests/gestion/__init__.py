"""The ASP managers' review in the Django admin (spec §7) and the accounts of the admin."""
