// The Kanban board: texts come from data-* attributes of #kanban; messages are set as text.
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board) { return; }
  var texts = board.dataset;
  var box = document.getElementById("kanban-message");
  var needsReason = {blocked: texts.reasonBlocked, cancelled: texts.reasonCancelled};

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function show(text, ok) {
    box.textContent = text;
    box.className = "alert " + (ok ? "alert-success" : "alert-danger");
  }
  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }
  document.querySelectorAll(".kanban-list").forEach(function (list) {
    Sortable.create(list, {
      group: "kanban",
      animation: 150,
      filter: ".locked, .kanban-more",
      onEnd: function (evt) {
        var target = evt.to.dataset.status, source = evt.from.dataset.status;
        if (target === source) { return; }
        var body = new URLSearchParams({status: target});
        if (needsReason[target] || (source === "done" && target === "in_progress")) {
          body.set("reason", window.prompt(needsReason[target] || texts.reasonReopen) || "");
        }
        fetch(evt.item.dataset.moveUrl, {
          method: "POST", body: body,
          headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded"},
          credentials: "same-origin"
        }).then(function (r) { return r.json(); }).then(function (data) {
          if (!data.ok) { putBack(evt); }
          show(data.message, data.ok);
        }).catch(function () { putBack(evt); show(texts.networkError, false); });
      }
    });
  });
})();
