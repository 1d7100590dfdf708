/* Background job page: poll the job's JSON status and show its progress, message, error and result
   link. The state lives on the server, so reloading or coming back later picks up where it is. */
(function () {
  "use strict";

  var box = document.getElementById("job-status");
  if (!box) { return; }
  var bar = document.getElementById("job-bar");
  var progress = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var state = document.getElementById("job-state");
  var message = document.getElementById("job-message");
  var error = document.getElementById("job-error");
  var result = document.getElementById("job-result");
  var offline = document.getElementById("job-offline");
  var labelsEl = document.getElementById("job-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent || "{}") : {};

  function setWidth(value) {
    bar.style.width = Math.max(0, Math.min(100, value)) + "%";
    progress.setAttribute("aria-valuenow", String(value));
    percent.textContent = value + "%";
  }

  function show(data) {
    setWidth(data.progress);
    state.textContent = labels[data.status] || data.status;
    state.dataset.state = data.status;
    message.textContent = data.message || "";
    if (data.error) {
      error.textContent = data.error;
      error.classList.remove("d-none");
    }
    if (data.finished) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      bar.classList.add(data.status === "failed" ? "bg-danger" : "bg-success");
    }
    if (data.result_url) {
      result.href = data.result_url;
      result.classList.remove("d-none");
    }
  }

  setWidth(parseInt(bar.dataset.progress || "0", 10));
  if (box.dataset.finished === "true") { return; }

  var polls = 0;
  function poll() {
    polls += 1;
    fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        offline.classList.add("d-none");
        show(data);
        if (!data.finished) { window.setTimeout(poll, polls < 20 ? 500 : 1500); }
      })
      .catch(function () {
        offline.classList.remove("d-none");
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 300);
}());
