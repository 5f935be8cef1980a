/* Series charts: readings (downsampled on the server), threshold lines per level, the baseline,
   and shaded periods (a warning's levels, or past warnings) labelled with the level. */
(function () {
  "use strict";
  if (!window.echarts) return;
  var LV = window.forewarnLevels;
  var lang = document.documentElement.lang.indexOf("zh") === 0 ? "zh" : "en";

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function thresholdLines(data) {
    var lines = data.thresholds.map(function (t) {
      var lv = LV[t.level];
      return {
        name: t.roman + " " + t.zh,
        yAxis: t.value,
        lineStyle: { color: lv.border, type: "dashed", width: lv.borderWidth },
        label: { formatter: t.roman + " " + t.zh + " " + t.value, position: "insideEndTop", color: "#1b2733" },
      };
    });
    if (data.baseline) {
      lines.push({
        name: data.baseline.kind,
        yAxis: data.baseline.value,
        lineStyle: { color: "#4a5561", type: "dotted", width: 1.5 },
        label: { formatter: data.baseline.kind + " " + data.baseline.value.toPrecision(4), position: "insideStartTop" },
      });
    }
    return lines;
  }

  function areas(data) {
    return data.periods.map(function (p) {
      var lv = LV[p.level];
      return [
        { name: p.roman + " " + p.zh, xAxis: p.start,
          itemStyle: { color: alpha(lv.color, 0.22), borderColor: lv.border, borderWidth: 0.5, decal: lv.decal },
          label: { color: "#1b2733", position: "insideTop" } },
        { xAxis: p.end },
      ];
    });
  }

  // The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) at or above x.
  function niceCeil(x) {
    if (!(x > 0)) return x;
    var p = Math.pow(10, Math.floor(Math.log10(x)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= x) return steps[i] * p;
    return 10 * p;
  }

  // The display zone's offset from UTC at `ms` (e.g. +8 h for Asia/Shanghai).
  function zoneOffset(ms, tz) {
    try {
      var v = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      }).formatToParts(new Date(ms)).forEach(function (p) { v[p.type] = p.value; });
      return Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second) -
        Math.floor(ms / 1000) * 1000;
    } catch (e) {
      return 0;
    }
  }

  // ECharts puts time ticks at round times of the browser's zone. Times are shifted by the
  // display zone's offset and ECharts works in UTC, so ticks fall at round times of the display
  // zone (a daily series ticks at its midnight) wherever the browser is; labels shift back.
  function shifted(data) {
    var off = zoneOffset(data.end, data.tz);
    var move = function (t) { return t + off; };
    return Object.assign({}, data, {
      offset: off,
      start: move(data.start),
      end: move(data.end),
      points: data.points.map(function (p) { return [move(p[0]), p[1]]; }),
      periods: data.periods.map(function (p) {
        return Object.assign({}, p, { start: move(p.start), end: move(p.end) });
      }),
    });
  }

  function option(given) {
    var data = shifted(given);
    var highest = data.thresholds.reduce(function (m, t) { return Math.max(m, t.value); }, -Infinity);
    var span = data.end - data.start;
    var mode = span <= 30 * 3600e3 ? "time" : span > 120 * 86400e3 ? "date" : "both";
    var fmt = function (v) { return window.forewarnFormatTime(v - data.offset, data.tz, lang, mode); };
    var full = function (v) { return window.forewarnFormatTime(v - data.offset, data.tz, lang, "both"); };
    return {
      useUTC: true,
      animation: false,
      aria: { enabled: true },
      grid: { left: 56, right: 24, top: 28, bottom: 64 },
      tooltip: {
        trigger: "axis",
        axisPointer: { label: { formatter: function (p) { return p.axisDimension === "x" ? full(p.value) : p.value; } } },
        valueFormatter: function (v) { return v + " " + data.unit; },
      },
      xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { formatter: fmt, hideOverlap: true } },
      yAxis: {
        type: "value", name: data.unit, scale: true,
        // Keep every threshold in view, on a round number.
        max: function (v) { return isFinite(highest) && highest > v.max ? niceCeil(highest * 1.05) : null; },
      },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 22, bottom: 12, labelFormatter: full }],
      series: [{
        id: "readings", name: data.name, type: "line", showSymbol: false, data: data.points,
        lineStyle: { width: 1.5, color: "#1b2733" }, itemStyle: { color: "#1b2733" },
        markLine: { symbol: "none", silent: true, data: thresholdLines(data) },
        markArea: { silent: true, data: areas(data) },
      }],
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var node = document.getElementById(el.dataset.chart);
    if (!node) return;
    var data = JSON.parse(node.textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(data));
    el.dataset.rendered = String(data.points.length);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
