"""Enrolment: how a software vendor gets onto the portal (the public request « Demander un accès »,
its instruction by an ASP manager, the supplier's own team and bank details)."""
