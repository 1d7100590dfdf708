// Swagger UI for the API documentation page (the bundle comes from the flask-swagger-ui package).
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.dataset.specUrl,
    domNode: node,
    deepLinking: true,
    // The API authenticates by token only: the session cookie is never needed.
    withCredentials: false,
    persistAuthorization: false,
    // No badge from the public validator service: nothing leaves this site.
    validatorUrl: null,
  });
});
