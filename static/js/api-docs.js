/* Starts Swagger UI on the API docs page (kept out of the HTML so the CSP needs no inline script). */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({ url: node.getAttribute("data-spec-url"), dom_id: "#swagger-ui" });
})();
