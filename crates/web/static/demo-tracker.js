/* The demo site's "audience measurement": it only says it runs, so a
   newcomer sees that nothing of a purpose runs before it is accepted. */
(function () {
  var s = document.getElementById("vigie-demo-status");
  if (s) s.textContent = "Mesure d'audience : active (acceptée).";
})();
