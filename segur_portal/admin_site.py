"""The ASP managers' admin: staff only, and never a supplier's account even if flagged staff."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PortailAdminSite(admin.AdminSite):
    site_header = "Portail Ségur numérique — gestion ASP"
    site_title = "Ségur numérique — ASP"
    index_title = "Instruction des demandes"

    def has_permission(self, request):
        return super().has_permission(request) and getattr(request.user, "fournisseur_id", None) is None


class PortailAdminConfig(AdminConfig):
    default_site = "segur_portal.admin_site.PortailAdminSite"
