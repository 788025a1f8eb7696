// EconOps page behaviour: draws the charts whose data the server embeds as JSON.
(function () {
  'use strict';
  var colours = { green: '#2e7d32', yellow: '#b7791f', red: '#c62828', unknown: '#8a96a3' };
  var words = { green: '正常', yellow: '关注', red: '滞后', unknown: '待报' };

  function progressChart(el, data) {
    var bars = data.bars || [];
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = Math.max(160, 44 * bars.length + 60) + 'px';
    chart.resize();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 90, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: bars.map(function (b) { return b.name; }) },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(1) + '%'; } },
      series: [{
        type: 'bar', barWidth: 16,
        data: bars.map(function (b) { return { value: b.completion, itemStyle: { color: colours[b.status] || colours.unknown }, status: b.status }; }),
        label: { show: true, position: 'right', formatter: function (p) { return p.value.toFixed(1) + '%  ' + (words[p.data.status] || ''); } },
        markLine: { symbol: 'none', lineStyle: { color: '#1f2933', type: 'dashed' }, label: { position: 'end', formatter: '序时进度 ' + data.elapsed.toFixed(0) + '%' }, data: [{ xAxis: data.elapsed }] }
      }]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  function init(root) {
    if (typeof echarts === 'undefined') { return; }
    (root || document).querySelectorAll('[data-chart]').forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.querySelector('[data-chart-data="' + el.dataset.chart + '"]');
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      if (el.dataset.chart === 'progress') { progressChart(el, data); }
      el.dataset.drawn = '1';
    });
  }

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:afterSettle', function () { init(document); });
})();
