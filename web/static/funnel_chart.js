/* The funnel drawn by Chart.js from the JSON block the server wrote from the steps table (same numbers). */
(function () {
  var canvas = document.getElementById("funnel-canvas"), block = document.getElementById("funnel-data");
  if (!canvas || !block || !window.Chart) return;
  var data = JSON.parse(block.textContent);
  var colours = ["#8c6d1f", "#a8842a", "#c39b36", "#d4ae4c", "#9aa0a6", "#b5523b", "#c8674e", "#d98a6e"];
  function caption(i) {  // "9 · 占邀请 44.4%": the count, then the share of invited where there is one
    var rate = data.of_invited[i];
    return data.counts[i] + (rate === null || i === 0 ? "" : " · " + data.rate_label + " " + rate.toFixed(1) + "%");
  }
  var valueLabels = {  // each bar's caption written after it: readable on a phone without tapping
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, meta = chart.getDatasetMeta(0);
      ctx.save();
      ctx.font = "13px " + Chart.defaults.font.family;
      ctx.fillStyle = "#222";
      ctx.textBaseline = "middle";
      meta.data.forEach(function (bar, i) { ctx.fillText(caption(i), bar.x + 6, bar.y); });
      ctx.restore();
    }
  };
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  var top = Math.max.apply(null, data.counts.concat([1]));
  window.funnelChart = new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{label: data.count_label, data: data.counts, backgroundColor: colours}]},
    options: {
      indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
      layout: {padding: {right: 8}},
      scales: {x: {beginAtZero: true, suggestedMax: top * 1.9, ticks: {precision: 0}}, y: {ticks: {autoSkip: false}}},
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: function (item) { return caption(item.dataIndex); }}}}
    },
    plugins: [valueLabels]
  });
})();
