/* The situation map: the caller's regions (boundaries from /api/v1/regions/geojson) coloured,
   patterned and outlined by the highest active warning level, and labelled with the level
   (IV..I, 蓝/黄/橙/红). The state comes from the #map-state JSON that htmx refreshes. */
(function () {
  "use strict";
  var el = document.getElementById("situation-map");
  if (!el || !window.echarts) return;
  var LV = window.forewarnLevels;
  var baseLabel = el.getAttribute("aria-label"); // ECharts replaces it with its description
  var enc = echarts.format.encodeHTML;
  var chart = echarts.init(el, null, { renderer: "svg" });
  var lang = el.dataset.lang;
  var ready = false;

  // Map labels follow the page's type scale (larger on a wall display).
  function labelSize() {
    return Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.8);
  }

  function readState() {
    var node = document.getElementById("map-state");
    return node ? JSON.parse(node.textContent) : [];
  }

  function item(s, few) {
    var lv = LV[s.level] || LV[0];
    var levelText = s.level ? lv.roman + " " + lv.zh : "";
    return {
      name: s.code,
      value: s.level,
      regionName: s.name,
      levelKey: lv.key,
      levelText: levelText,
      count: s.count,
      titles: s.titles,
      itemStyle: {
        areaColor: lv.color,
        borderColor: lv.border,
        borderWidth: lv.borderWidth,
        decal: lv.decal || { symbol: "none" },
      },
      label: {
        show: s.level > 0 || few, // a county officer's one region is named even when calm
        color: lv.text,
        backgroundColor: s.level > 0 ? lv.color : "transparent",
        borderColor: lv.border,
        borderWidth: s.level > 0 ? 1 : 0,
        padding: [2, 4],
        borderRadius: 3,
        formatter: s.name + (levelText ? "\n" + levelText : ""),
      },
    };
  }

  function tooltip(p) {
    var d = p.data || {};
    var head = "<b>" + enc(d.regionName || p.name) + "</b>";
    if (!d.value) return head + "<br>" + enc(el.dataset.noneLabel);
    var lines = (d.titles || []).map(function (t) { return "· " + enc(t); });
    return head + " — " + enc(d.levelText) + "<br>" + d.count + " " +
      enc(el.dataset.warningsLabel) + "<br>" + lines.join("<br>");
  }

  // What a screen reader hears: the warned regions by name and level, most severe first (the
  // chart's own description would read out region codes and numbers).
  function describe(data) {
    var warned = data.filter(function (d) { return d.value > 0; });
    if (!warned.length) return baseLabel + " " + el.dataset.noneLabel;
    return baseLabel + " " + warned.map(function (d) {
      return d.regionName + " " + d.levelText + " (" + d.count + ")";
    }).join("; ");
  }

  function render() {
    // most severe first: where labels would overlap, the lower level's label gives way
    var state = readState();
    var few = state.length <= 3;
    var data = state.map(function (s) { return item(s, few); })
      .sort(function (a, b) { return b.value - a.value; });
    chart.setOption({
      aria: { enabled: true, label: { description: describe(data) } },
      series: [{ id: "regions", data: data }],
    });
    el.dataset.levels = JSON.stringify(
      data.reduce(function (acc, d) { acc[d.name] = d.levelKey; return acc; }, {})
    );
    el.dataset.rendered = String(Date.now());
  }

  function start(geojson) {
    echarts.registerMap("forewarn", geojson);
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "item", formatter: tooltip, confine: true },
      series: [{
        id: "regions",
        type: "map",
        map: "forewarn",
        nameProperty: "code",
        roam: true,
        selectedMode: false,
        top: 8, bottom: 8, left: 8, right: 8,
        itemStyle: { areaColor: LV[0].color, borderColor: LV[0].border, borderWidth: LV[0].borderWidth },
        emphasis: { label: { show: true }, itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,0.4)" } },
        label: { fontSize: labelSize(), lineHeight: labelSize() * 1.25 },
        labelLayout: { hideOverlap: true },
        data: [],
      }],
    });
    ready = true;
    render();
  }

  chart.on("click", function (p) {
    if (p.name) window.location.href = "/warnings?region=" + encodeURIComponent(p.name);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (ready && event.target && event.target.id === "live") render();
  });
  window.addEventListener("resize", function () { chart.resize(); });

  fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("boundaries: HTTP " + r.status); return r.json(); })
    .then(start)
    .catch(function (err) { el.dataset.error = String(err); el.textContent = String(err); });
  window.forewarnMap = chart;
})();
