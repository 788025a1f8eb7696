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
      xAxis: { type: 'value', max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, axisLabel: { formatter: '{value}%', hideOverlap: true } },
      yAxis: { type: 'category', inverse: true, data: bars.map(function (b) { return b.name; }) },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(1) + '%'; } },
      series: [{
        type: 'bar', barWidth: 16,
        data: bars.map(function (b) { return { value: b.completion, itemStyle: { color: colours[b.status] || colours.unknown }, status: b.status }; }),
        label: { show: true, position: 'right', formatter: function (p) { return p.value.toFixed(1) + '%  ' + (words[p.data.status] || ''); } },
        markLine: { symbol: 'none', lineStyle: { color: '#1f2933', type: 'dashed' }, label: { position: 'start', distance: 6, formatter: '序时进度 ' + data.elapsed.toFixed(0) + '%' }, data: [{ xAxis: data.elapsed }] }
      }]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  // Tooltip formatters return HTML: text from the data (names typed by people) is escaped.
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // Industry pulls stacked from 0 up to estimated GDP growth, with the target as a line.
  function waterfallChart(el, data) {
    var names = [], base = [], up = [], down = [], acc = 0;
    data.items.forEach(function (it) {
      names.push(it.name.length > 6 ? it.name.slice(0, 6) + '…' : it.name);
      var start = acc; acc += it.pull;
      base.push(Math.min(start, acc)); up.push(it.pull >= 0 ? it.pull : 0); down.push(it.pull < 0 ? -it.pull : 0);
    });
    names.push('GDP'); base.push(0); up.push(data.gdp); down.push(0);
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = '320px'; chart.resize();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var i = ps[0].dataIndex; if (i === data.items.length) { return 'GDP 测算增速 ' + data.gdp.toFixed(2) + '%'; }
        var it = data.items[i]; return escapeHtml(it.name) + '<br>拉动 ' + it.pull.toFixed(2) + ' 个百分点<br>较目标 ' + it.drag.toFixed(2) + ' 个百分点'; } },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 40, fontSize: 11 } },
      yAxis: { type: 'value', axisLabel: { formatter: '{value}' }, name: '个百分点' },
      series: [
        { type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' }, emphasis: { disabled: true } },
        { type: 'bar', stack: 'w', data: up.map(function (v, i) { return { value: v, itemStyle: { color: i === names.length - 1 ? '#1559a8' : '#2e7d32' } }; }),
          label: { show: true, position: 'top', fontSize: 10, formatter: function (p) { return p.value ? p.value.toFixed(2) : ''; } } },
        { type: 'bar', stack: 'w', data: down, itemStyle: { color: '#c62828' },
          label: { show: true, position: 'bottom', fontSize: 10, formatter: function (p) { return p.value ? '−' + p.value.toFixed(2) : ''; } },
          markLine: { symbol: 'none', lineStyle: { color: '#c62828', type: 'dashed' }, label: { position: 'insideEndTop', formatter: '目标 ' + data.target.toFixed(1) + '%' }, data: [{ yAxis: data.target }] } }
      ]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  // Year-to-date growth by period, one line per indicator, its target dashed.
  function trendChart(el, series) {
    if (!series || !series.length) { el.textContent = '暂无数据'; return; }
    var palette = ['#c62828', '#1559a8', '#b7791f', '#2e7d32', '#6a1b9a'];
    var labels = series[0].points.map(function (p) { return p[0]; });
    series.forEach(function (s) { s.points.forEach(function (p) { if (labels.indexOf(p[0]) < 0) { labels.push(p[0]); } }); });
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = '320px'; chart.resize();
    chart.setOption({
      animation: false,
      legend: { top: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v.toFixed(1) + '%'; } },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', axisLabel: { formatter: '{value}%' }, scale: true },
      series: series.map(function (s, i) {
        var colour = palette[i % palette.length];
        var byLabel = {}; s.points.forEach(function (p) { byLabel[p[0]] = p[1]; });
        return { name: s.name, type: 'line', symbolSize: 6, itemStyle: { color: colour }, connectNulls: true,
          data: labels.map(function (l) { return byLabel[l] === undefined ? null : byLabel[l]; }),
          markLine: { symbol: 'none', silent: true, lineStyle: { color: colour, type: 'dashed', opacity: 0.6 }, label: { show: series.length === 1, formatter: '目标 ' + s.target.toFixed(1) + '%' }, data: [{ yAxis: s.target }] } };
      })
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  // Approval Gantt: planned days per item (critical ones red), and the actual span when known.
  function ganttChart(el, data) {
    var items = data.items || [];
    var start = new Date(data.start + 'T00:00:00Z');
    var dayOf = function (iso) { return iso ? Math.round((new Date(iso + 'T00:00:00Z') - start) / 86400000) : null; };
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = Math.max(180, 34 * items.length + 70) + 'px'; chart.resize();
    var names = items.map(function (i) { return i.name; });
    chart.setOption({
      animation: false,
      legend: { top: 0, data: ['计划', '实际'] },
      grid: { left: 8, right: 24, top: 30, bottom: 20, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', name: '天', min: 0 },
      yAxis: { type: 'category', data: names, inverse: true },
      series: [
        { name: '计划起点', type: 'bar', stack: 'plan', barWidth: 10, itemStyle: { color: 'transparent' }, data: items.map(function (i) { return i.start; }), tooltip: { show: false } },
        { name: '计划', type: 'bar', stack: 'plan', barWidth: 10, data: items.map(function (i) { return { value: i.end - i.start, itemStyle: { color: i.critical ? '#c62828' : '#1559a8' } }; }) },
        { name: '实际起点', type: 'bar', stack: 'actual', barWidth: 6, itemStyle: { color: 'transparent' }, data: items.map(function (i) { return dayOf(i.actual_start); }), tooltip: { show: false } },
        { name: '实际', type: 'bar', stack: 'actual', barWidth: 6, itemStyle: { color: '#2e7d32' }, data: items.map(function (i) { var s = dayOf(i.actual_start), e = dayOf(i.actual_end); return s === null || e === null ? null : Math.max(e - s, 0.3); }) }
      ]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  // The pipeline's contribution by month of production, in pp of GDP growth.
  function pipelineChart(el, data) {
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = '240px'; chart.resize();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(3) + ' 个百分点'; } },
      xAxis: { type: 'category', data: data.map(function (m) { return m.month + ' 月'; }) },
      yAxis: { type: 'value', name: '个百分点' },
      series: [{ type: 'bar', barWidth: 18, itemStyle: { color: '#1559a8' }, data: data.map(function (m) { return m.contribution_pp; }),
        label: { show: true, position: 'top', fontSize: 10, formatter: function (p) { return p.value.toFixed(2); } } }]
    });
    window.addEventListener('resize', function () { chart.resize(); });
  }

  // A firm's year-to-date output value and revenue (万元) by month, and output growth (%).
  function firmChart(el, rows) {
    if (!rows || !rows.length) { el.textContent = '暂无数据'; return; }
    var chart = echarts.init(el, null, { renderer: 'svg' });
    el.style.height = '280px'; chart.resize();
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: rows.map(function (r) { return r.label; }) },
      yAxis: [{ type: 'value', name: '万元' }, { type: 'value', name: '%', splitLine: { show: false } }],
      series: [
        { name: '工业总产值', type: 'bar', itemStyle: { color: '#1559a8' }, data: rows.map(function (r) { return r.output_value_wan; }) },
        { name: '营业收入', type: 'bar', itemStyle: { color: '#b7791f' }, data: rows.map(function (r) { return r.revenue_wan; }) },
        { name: '产值同比', type: 'line', yAxisIndex: 1, connectNulls: true, itemStyle: { color: '#c62828' }, data: rows.map(function (r) { return r.output_growth_pct; }) }
      ]
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
      if (data === null) { return; }
      if (el.dataset.chart === 'progress') { progressChart(el, data); }
      if (el.dataset.chart === 'waterfall') { waterfallChart(el, data); }
      if (el.dataset.chart === 'trend') { trendChart(el, data); }
      if (el.dataset.chart === 'gantt') { ganttChart(el, data); }
      if (el.dataset.chart === 'pipeline') { pipelineChart(el, data); }
      if (el.dataset.chart === 'firm') { firmChart(el, data); }
      el.dataset.drawn = '1';
    });
  }

  document.addEventListener('DOMContentLoaded', function () { init(document); });
  document.addEventListener('htmx:afterSettle', function () { init(document); });
})();
