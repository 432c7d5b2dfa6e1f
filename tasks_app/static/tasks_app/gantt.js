// The Gantt page: data comes from the json_script block #gantt-data, texts and URLs from
// data-* attributes of #gantt-box. Every text taken from the data is set as text.
(function () {
  "use strict";
  var source = document.getElementById("gantt-data");
  var holder = document.getElementById("gantt-box");
  if (!source || !holder) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.tasks.length) { return; }
  holder.ganttData = data;  // bars loaded later get their baseline too (gantt_baseline.js)
  var texts = holder.dataset;
  function dataUrl(name, value) {
    var url = new URL(texts.dataUrl, window.location.href);
    url.searchParams.set(name, value);
    return url.toString();
  }
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
  // Only arrows between bars on the chart: a window may hold a task but not its predecessor.
  function shownDependencies(value) {
    return (value || "").split(", ").filter(function (id) { return id && byId[id]; }).join(", ");
  }
  function original() {
    return data.tasks.map(function (t) {
      var copy = Object.assign({}, byId[t.id]);
      copy.dependencies = shownDependencies(copy.dependencies);
      return copy;
    });
  }
  // Big requirements: the page holds the first window of bars; the next windows come
  // from the data endpoint as the chart scrolls into view (or on the button).
  var more = document.getElementById("gantt-more");
  var collapse = document.getElementById("gantt-collapse");
  var loading = false, collapsed = null;
  function updateMore() {
    if (!more) { return; }
    more.classList.toggle("d-none", data.next_offset === null || collapsed !== null);
    more.textContent = more.dataset.label.replace("%(shown)s", data.tasks.length).replace("%(total)s", data.total);
  }
  function loadMore() {
    if (loading || data.next_offset === null || collapsed !== null) { return; }
    loading = true;
    fetch(dataUrl("offset", data.next_offset), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (page) {
        page.tasks.forEach(function (t) { byId[t.id] = Object.assign({}, t); data.tasks.push(t); });
        data.next_offset = page.next_offset;
        loading = false;
        gantt.refresh(original()); drawToday(); updateMore();
      }).catch(function () { loading = false; show(texts.networkError, false); });
  }
  function nearEnd() {
    return holder.getBoundingClientRect().bottom < window.innerHeight + 600;
  }

  var gantt = new Gantt("#gantt", original(), {
    view_mode: "Week",
    language: (document.documentElement.lang || "zh").indexOf("zh") === 0 ? "zh" : "en",
    date_format: "YYYY-MM-DD",
    // frappe-gantt inserts this string as HTML: every value in it is escaped.
    custom_popup_html: function (task) {
      var t = byId[task.id] || task;
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
  updateMore();
  if (more) { more.addEventListener("click", loadMore); }
  window.addEventListener("scroll", function () { if (nearEnd()) { loadMore(); } }, {passive: true});
  // Collapse: one summary bar per top-level WBS group, aggregated by the server.
  if (collapse) {
    collapse.addEventListener("click", function () {
      if (collapsed !== null) {
        collapsed = null; collapse.classList.remove("active");
        gantt.refresh(original()); drawToday(); updateMore();
        return;
      }
      fetch(dataUrl("groups", "true"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (page) {
          collapsed = page.tasks; collapse.classList.add("active");
          gantt.refresh(page.tasks.map(function (t) { return Object.assign({}, t); }));
          drawToday(); updateMore();
        }).catch(function () { show(texts.networkError, false); });
    });
  }
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
