// Ranked list: tick every row of the page at once; the "plan the ticked" button waits for a tick.
(function () {
  "use strict";
  var form = document.getElementById("ranked-list");
  if (!form) {
    return;
  }
  var all = document.getElementById("tick-all");
  var button = document.getElementById("plan-ticked");
  var boxes = form.querySelectorAll('input[name="organization_id"]');

  function update() {
    var ticked = 0;
    boxes.forEach(function (box) {
      if (box.checked) {
        ticked += 1;
      }
    });
    if (button) {
      button.disabled = ticked === 0;
    }
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
      update();
    });
  }
  boxes.forEach(function (box) {
    box.addEventListener("change", update);
  });
  update();
})();
