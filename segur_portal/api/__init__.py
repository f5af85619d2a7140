"""The machine API for vendors' software (/api/v1/, django-ninja): the whole journey of the
screens over HTTP, with the same services and selectors as the views, the same rules and the same
isolation. It sits above the three apps, like the home page (segur_portal.accueil)."""
