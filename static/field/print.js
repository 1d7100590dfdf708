// The day sheet's Print button (no inline handlers: CSP).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("sheet-print");
  if (button) button.addEventListener("click", () => window.print());
});
