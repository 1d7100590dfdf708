/* Small page behaviours for every page, declared with data- attributes instead of inline handlers
   (the Content-Security-Policy forbids inline scripts):
   - <form data-confirm-submit="Question?">: ask before submitting;
   - <select data-autosubmit>: submit the form when the choice changes;
   - <input data-select-on-focus>: select the whole text on focus (links to copy). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirmSubmit !== undefined) {
      if (!window.confirm(form.dataset.confirmSubmit)) { event.preventDefault(); }
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.dataset.autosubmit !== undefined && el.form) {
      if (typeof el.form.requestSubmit === "function") { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.dataset.selectOnFocus !== undefined) { el.select(); }
  });
}());
