/* Merge page: choosing the surviving record pre-selects its values (unless the user already chose
   one) and shows what moves to it. Defaults come from the #merge-defaults JSON block. */
(function () {
  "use strict";
  var form = document.getElementById("merge-form");
  if (!form) { return; }
  var defaults = JSON.parse(document.getElementById("merge-defaults").textContent);
  var touched = {};
  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name && name.indexOf("field_") === 0) { touched[name] = true; return; }
    if (name !== "survivor") { return; }
    var keep = event.target.value;
    Object.keys(defaults[keep]).forEach(function (row) {
      var field = "field_" + row;
      if (touched[field]) { return; }
      var input = document.getElementById(field + "-" + defaults[keep][row]);
      if (input) { input.checked = true; }
    });
    form.querySelectorAll("[data-moved-for],[data-notes-for]").forEach(function (el) {
      var side = el.getAttribute("data-moved-for") || el.getAttribute("data-notes-for");
      el.classList.toggle("d-none", side !== keep);
    });
  });
})();
