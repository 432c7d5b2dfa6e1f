// Swagger UI for /api/docs/, served from the vendored bundle; the schema URL comes from
// the page. Session requests carry the CSRF token so "Try it out" works when signed in.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    requestInterceptor: function (request) {
      var token = csrfToken();
      if (token) { request.headers["X-CSRFToken"] = token; }
      return request;
    }
  });
})();
