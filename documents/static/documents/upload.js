// Uploads the form with XMLHttpRequest so the progress bar can follow the bytes sent;
// without JavaScript the form posts normally and the page shows the same messages.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData) { return; }
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-progress-bar");
  var errors = document.getElementById("upload-errors");
  var button = document.getElementById("upload-submit");

  function setProgress(percent) {
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    box.setAttribute("aria-valuenow", String(percent));
  }

  function showErrors(map) {
    errors.textContent = "";
    Object.keys(map).forEach(function (field) {
      map[field].forEach(function (message) {
        var line = document.createElement("div");
        line.textContent = message;
        errors.appendChild(line);
      });
    });
    errors.classList.remove("d-none");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { setProgress(Math.round((e.loaded / e.total) * 100)); }
    });
    request.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(request.responseText); } catch (e) { body = {}; }
      if (request.status >= 200 && request.status < 300 && body.redirect) {
        setProgress(100);
        window.location.assign(body.redirect);
        return;
      }
      button.disabled = false;
      box.classList.add("d-none");
      showErrors(body.errors || { __all__: [form.dataset.failed] });
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      showErrors({ __all__: [form.dataset.network] });
    });
    errors.classList.add("d-none");
    button.disabled = true;
    setProgress(0);
    box.classList.remove("d-none");
    request.send(new FormData(form));
  });
})();
