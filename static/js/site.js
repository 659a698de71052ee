/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Keep the "next" field of the language switcher pointing at the page as it is now
  // (including a #fragment the server never sees).
  var next = document.querySelector(".lang-switch input[name=next]");
  if (next && window.location.hash) { next.value = next.value + window.location.hash; }
})();
