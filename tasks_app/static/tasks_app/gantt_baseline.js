// Baseline bars under the Gantt's bars and the slip of each end date. Positions come
// from each drawn bar (its x and width span its planned days), so this works for every
// view mode and redraws whenever the chart is drawn again.
(function () {
  "use strict";
  var choice = document.getElementById("baseline-choice");
  if (choice) { choice.addEventListener("change", function () { choice.form.submit(); }); }
  var source = document.getElementById("gantt-data");
  var holder = document.getElementById("gantt-box");
  var svg = document.getElementById("gantt");
  if (!source || !holder || !svg) { return; }
  var data = JSON.parse(source.textContent);
  var ns = "http://www.w3.org/2000/svg";
  var dayMs = 864e5;
  function day(value) { return new Date(value + "T00:00:00").getTime(); }
  function days(start, end) { return Math.round((day(end) - day(start)) / dayMs) + 1; }

  function draw() {
    svg.querySelectorAll(".baseline-layer").forEach(function (n) { n.remove(); });
    var layer = document.createElementNS(ns, "g");
    layer.setAttribute("class", "baseline-layer");
    (holder.ganttData || data).tasks.forEach(function (t) {
      if (!t.baseline_start || !t.baseline_end) { return; }
      var wrapper = svg.querySelector('.bar-wrapper[data-id="' + t.id + '"]');
      var bar = wrapper && wrapper.querySelector(".bar");
      if (!bar) { return; }
      var x = parseFloat(bar.getAttribute("x")), width = parseFloat(bar.getAttribute("width"));
      var y = parseFloat(bar.getAttribute("y")) + parseFloat(bar.getAttribute("height")) + 2;
      var perDay = width / days(t.start, t.end);
      var left = x + (day(t.baseline_start) - day(t.start)) / dayMs * perDay;
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("class", "baseline-bar");
      rect.setAttribute("x", left); rect.setAttribute("y", y);
      rect.setAttribute("width", Math.max(days(t.baseline_start, t.baseline_end) * perDay, 2));
      rect.setAttribute("height", 4);
      rect.setAttribute("data-id", t.id);
      layer.appendChild(rect);
      if (t.slip_days) {
        var label = document.createElementNS(ns, "text");
        label.setAttribute("class", "baseline-slip" + (t.slip_days > 0 ? " slip-late" : ""));
        label.setAttribute("x", Math.max(x + width, left + days(t.baseline_start, t.baseline_end) * perDay) + 4);
        label.setAttribute("y", y + 5);
        label.textContent = holder.dataset.slipLabel + " " + (t.slip_days > 0 ? "+" : "") + t.slip_days;
        layer.appendChild(label);
      }
    });
    svg.appendChild(layer);
  }
  var pending = false;
  new MutationObserver(function (changes) {
    var ours = changes.every(function (c) {
      return Array.prototype.every.call(c.addedNodes, function (n) {
        return n.classList && (n.classList.contains("baseline-layer") || n.classList.contains("today-line") || n.classList.contains("today-label"));
      }) && Array.prototype.every.call(c.removedNodes, function (n) {
        return n.classList && (n.classList.contains("baseline-layer") || n.classList.contains("today-line") || n.classList.contains("today-label"));
      });
    });
    if (ours || pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; draw(); });
  }).observe(svg, {childList: true});
  draw();
})();
