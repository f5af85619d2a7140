"""The domain (demandes): reference data and the domain's values, the supplier's list of demandes
and the page of a demande."""
