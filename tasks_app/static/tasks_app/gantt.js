// The Gantt page: data comes from the json_script block #gantt-data, texts and URLs from
// data-* attributes of #gantt-box. Every text taken from the data is set as text.
(function () {
  "use strict";
  var source = document.getElementById("gantt-data");
  var holder = document.getElementById("gantt-box");
  if (!source || !holder) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.tasks.length) { return; }
  var texts = holder.dataset;
  var box = document.getElementById("gantt-message");
  var byId = {};
  data.tasks.forEach(function (t) { byId[t.id] = Object.assign({}, t); });

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function show(text, ok) { box.textContent = text; box.className = "alert " + (ok ? "alert-success" : "alert-danger"); }
  function iso(d) {
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function escapeHtml(value) {
    var node = document.createElement("div");
    node.textContent = value === null || value === undefined ? "" : String(value);
    return node.innerHTML;
  }
  function original() { return data.tasks.map(function (t) { return Object.assign({}, byId[t.id]); }); }

  var gantt = new Gantt("#gantt", original(), {
    view_mode: "Week",
    language: (document.documentElement.lang || "zh").indexOf("zh") === 0 ? "zh" : "en",
    date_format: "YYYY-MM-DD",
    // frappe-gantt inserts this string as HTML: every value in it is escaped.
    custom_popup_html: function (task) {
      var t = byId[task.id];
      var late = t.delay_days
        ? '<br><span class="text-danger">' + escapeHtml(texts.lateLabel) + " " + escapeHtml(t.delay_days) + " " + escapeHtml(texts.daysLabel) + "</span>"
        : "";
      return '<div class="p-2 gantt-popup"><strong>' + escapeHtml(t.name) + "</strong><br>" +
        escapeHtml(t.owner_department + " / " + t.owner) + "<br>" + escapeHtml(t.start) + " → " + escapeHtml(t.end) +
        "<br>" + escapeHtml(t.status_display) + " · " + escapeHtml(t.progress) + "%" + late + "</div>";
    },
    on_date_change: function (task, start, end) {
      // frappe-gantt reports the end as the midnight after the last day.
      var last = new Date(end.getTime() - 1000);
      var body = new URLSearchParams({planned_start: iso(start), planned_end: iso(last)});
      var url = texts.rescheduleUrl.replace("/0/", "/" + encodeURIComponent(task.id) + "/");
      fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded"}
      }).then(function (r) { return r.json(); }).then(function (res) {
        if (res.ok) {
          byId[task.id].start = iso(start); byId[task.id].end = iso(last);
          show(res.message + (res.warnings && res.warnings.length ? "（" + res.warnings.join("；") + "）" : ""), true);
        } else {
          show(res.message, false);
        }
        gantt.refresh(original()); drawToday();
      }).catch(function () { show(texts.networkError, false); gantt.refresh(original()); drawToday(); });
    }
  });

  function drawToday() {
    var svg = document.querySelector("#gantt");
    svg.querySelectorAll(".today-line, .today-label").forEach(function (n) { n.remove(); });
    var today = new Date(data.today + "T12:00:00");
    var hours = (today - gantt.gantt_start) / 36e5;
    var x = hours / gantt.options.step * gantt.options.column_width;
    if (x < 0) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var line = document.createElementNS(ns, "line");
    line.setAttribute("class", "today-line");
    line.setAttribute("x1", x); line.setAttribute("x2", x);
    line.setAttribute("y1", 0); line.setAttribute("y2", svg.getAttribute("height"));
    svg.appendChild(line);
    var label = document.createElementNS(ns, "text");
    label.setAttribute("class", "today-label");
    label.setAttribute("x", x + 3); label.setAttribute("y", 12);
    label.textContent = texts.todayLabel;
    svg.appendChild(label);
  }
  drawToday();
  document.querySelectorAll("#view-modes button").forEach(function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll("#view-modes button").forEach(function (x) { x.classList.remove("active"); });
      b.classList.add("active");
      gantt.change_view_mode(b.dataset.mode);
      drawToday();
    });
  });
  // Bars the user may not reschedule stay put.
  holder.addEventListener("mousedown", function (e) {
    if (e.target.closest && e.target.closest(".bar-readonly")) { e.stopPropagation(); }
  }, true);
})();
