// Charts of the department KPI page (Apache ECharts, vendored); data from #cockpit-charts.
(function () {
  "use strict";
  var source = document.getElementById("cockpit-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var charts = [];

  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element) return;
    var instance = echarts.init(element);
    instance.setOption(option);
    element.dataset.rendered = "true";
    charts.push(instance);
  }

  chart("chart-weekly", {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.rate, labels.finished] },
    xAxis: { type: "category", data: data.weekly.weeks },
    yAxis: [
      { type: "value", min: 0, max: 100, name: "%" },
      { type: "value", minInterval: 1 }
    ],
    series: [
      { name: labels.rate, type: "line", data: data.weekly.rates, connectNulls: false },
      { name: labels.finished, type: "bar", yAxisIndex: 1, data: data.weekly.finished }
    ]
  });
  chart("chart-causes", {
    tooltip: { trigger: "item" },
    series: [{ name: labels.days, type: "pie", radius: "65%", data: data.causes }]
  });
  chart("chart-turnaround", {
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.turnaround.departments },
    yAxis: { type: "value", name: labels.hours },
    series: [{ name: labels.hours, type: "bar", data: data.turnaround.hours }]
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
