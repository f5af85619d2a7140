/* Behaviour shared by the portal's pages (served from the portal itself: the CSP allows 'self'). */
(function () {
  // After Simuler, Importer or an upload, the result message is where the user's eyes and the
  // screen reader must go: the element marked data-focus-resultat takes the focus on load.
  var resultat = document.querySelector("[data-focus-resultat]");
  if (resultat) {
    if (!resultat.hasAttribute("tabindex")) { resultat.setAttribute("tabindex", "-1"); }
    resultat.focus();
  }
  // « Fermer » on a result message removes it.
  document.querySelectorAll("[data-fermer-alerte]").forEach(function (bouton) {
    bouton.addEventListener("click", function () { bouton.closest(".fr-alert").remove(); });
  });
})();
