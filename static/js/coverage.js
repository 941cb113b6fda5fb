// Coverage dashboards: ECharts drawn from the data the tables beside them also show; full screen; print.
(function () {
  "use strict";
  var printButton = document.querySelector(".js-print");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
  var root = document.getElementById("coverage-dashboard");
  var fullscreen = document.querySelector(".js-fullscreen");
  if (root && fullscreen && document.fullscreenEnabled) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else { root.requestFullscreen(); }
    });
  }
  var source = document.getElementById("coverage-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#c2185b", "#7b1fa2", "#1565c0", "#00897b", "#f9a825", "#6d4c41", "#546e7a"];
  function pct(value) { return value === null || value === undefined ? "—" : value.toFixed(1) + "%"; }
  function rateBars(series) {
    return {
      color: colours,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: pct },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: series.labels, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: series.rates, label: { show: true, position: "right", formatter: function (p) { return pct(p.value); } } }]
    };
  }
  function countBars(labels, counts) {
    return {
      color: colours,
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: counts, label: { show: true, position: "right" } }]
    };
  }
  function lines(months, items) {
    return {
      color: colours,
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: pct },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: items.map(function (item) { return { name: item.name, type: "line", data: item.rates, connectNulls: true }; })
    };
  }
  var options = {
    by_field: function () { return rateBars(data.by_field); },
    by_category: function () { return rateBars(data.by_category); },
    by_district: function () { return rateBars(data.by_district); },
    stages: function () { return countBars(data.stages.labels, data.stages.counts); },
    funnel: function () { return countBars(data.funnel.labels, data.funnel.waiting); },
    trend_fields: function () { return lines(data.trends.months, data.trends.fields); },
    trend_districts: function () { return lines(data.trends.months, data.trends.districts); }
  };
  var charts = [];
  document.querySelectorAll(".coverage-chart[data-chart]").forEach(function (element) {
    var make = options[element.getAttribute("data-chart")];
    if (!make) { return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    var option = make();
    // Tooltips drawn inside the chart: ECharts' HTML tooltips carry style attributes, which the CSP refuses.
    option.tooltip = Object.assign({ renderMode: "richText", confine: true }, option.tooltip);
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "inherit" } }, option));
    charts.push(chart);
  });
  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("resize", resize);
  document.addEventListener("fullscreenchange", resize);
  window.addEventListener("beforeprint", resize);
})();
