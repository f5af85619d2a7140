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
  // « Copier » (the API token shown once): copies the field's text, and says so.
  document.querySelectorAll("[data-copier]").forEach(function (bouton) {
    bouton.addEventListener("click", function () {
      var champ = document.getElementById(bouton.getAttribute("data-copier"));
      var annonce = document.getElementById("jeton-copie");
      champ.select();
      var dire = function (texte) { if (annonce) { annonce.textContent = texte; } };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(champ.value).then(
          function () { dire("Jeton copié dans le presse-papiers."); },
          function () { dire("Copie impossible : le jeton est sélectionné, copiez-le avec Ctrl+C."); }
        );
      } else {
        dire("Le jeton est sélectionné : copiez-le avec Ctrl+C.");
      }
    });
  });
})();
