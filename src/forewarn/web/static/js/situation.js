/* The situation map: the caller's regions (boundaries from /api/v1/regions/geojson) coloured,
   patterned and outlined by the highest active warning level, and labelled with the level
   (IV..I, 蓝/黄/橙/红); the sites marked at their place, coloured by their own level (a site
   under warning drawn larger, above the calm ones). The state comes from the #map-state JSON
   that htmx refreshes. The regions are styled on the geo component (`regions`) so that the
   sites' scatter series share its projection, zoom and pan; the region labels are a series at
   each region's centre, drawn above the calm sites and below the sites under warning (a geo's
   own labels lie under every series). */
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
    return node ? JSON.parse(node.textContent) : { regions: [], sites: [] };
  }

  function levelText(s) {
    var lv = LV[s.level] || LV[0];
    return s.level ? lv.roman + " " + lv.zh : "";
  }

  function item(s, few) {
    var lv = LV[s.level] || LV[0];
    var text = levelText(s);
    return {
      name: s.code,
      value: s.level,
      regionName: s.name,
      levelKey: lv.key,
      levelText: text,
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
        formatter: s.name + (text ? "\n" + text : ""),
      },
    };
  }

  function site(s) {
    var lv = LV[s.level] || LV[0];
    return {
      name: s.code,
      value: [s.lon, s.lat, s.level],
      regionName: s.name,
      levelKey: lv.key,
      levelText: levelText(s),
      count: s.count,
      titles: s.titles,
      symbolSize: s.level ? 10 + 2 * s.level : 7,
      // a white ring and a shadow keep a site visible on a region of its own colour
      itemStyle: s.level
        ? { color: lv.color, borderColor: "#ffffff", borderWidth: 2,
            shadowBlur: 4, shadowColor: "rgba(0, 0, 0, 0.7)" }
        : { color: "#ffffff", borderColor: "#1b2733", borderWidth: 1.2 },
    };
  }

  var regionsByCode = {};

  function tooltip(p) {
    var d = p.componentType === "geo" ? regionsByCode[p.name] || {} : p.data || {};
    var head = "<b>" + enc(d.regionName || p.name) + "</b>";
    if (!d.count) return head + "<br>" + enc(el.dataset.noneLabel);
    var lines = (d.titles || []).map(function (t) { return "· " + enc(t); });
    return head + " — " + enc(d.levelText) + "<br>" + d.count + " " +
      enc(el.dataset.warningsLabel) + "<br>" + lines.join("<br>");
  }

  // What a screen reader hears: the warned regions by name and level, most severe first (the
  // chart's own description would read out region codes and numbers).
  function describe(data, sites) {
    var warned = data.filter(function (d) { return d.value > 0; });
    if (!warned.length) return baseLabel + " " + el.dataset.noneLabel;
    var said = warned.map(function (d) {
      return d.regionName + " " + d.levelText + " (" + d.count + ")";
    }).join("; ");
    var atSites = sites.filter(function (d) { return d.count > 0; });
    if (!atSites.length) return baseLabel + " " + said;
    return baseLabel + " " + said + ". " + el.dataset.sitesLabel + ": " + atSites.map(function (d) {
      return d.regionName + " " + d.levelText;
    }).join("; ");
  }

  // The centre ECharts would put a region's label at (its largest polygon's), or null.
  function centre(code) {
    try {
      var region = chart.getModel().getComponent("geo", 0).coordinateSystem.getRegion(code);
      return region ? region.getCenter() : null;
    } catch (err) {
      return null;
    }
  }

  // The shown region labels move from the geo to the labels series, most severe first (where
  // labels would overlap, the lower level's gives way); a region without a centre keeps its own.
  function labels(data) {
    var out = [];
    data.forEach(function (d) {
      var at = d.label.show ? centre(d.name) : null;
      if (!at) return;
      out.push({ name: d.name, value: [at[0], at[1]], label: d.label });
      d.label = { show: false };
      d.emphasis = { label: { show: false } };
    });
    return out;
  }

  function byCode(data, get) {
    return data.reduce(function (acc, d) { acc[d.name] = get(d); return acc; }, {});
  }

  function levelKey(d) { return d.levelKey; }

  function render() {
    // most severe first: where labels would overlap, the lower level's label gives way
    var state = readState();
    var few = state.regions.length <= 3;
    var data = state.regions.map(function (s) { return item(s, few); })
      .sort(function (a, b) { return b.value - a.value; });
    // calm sites lie under the region labels, sites under warning above them (most severe last)
    var sites = state.sites.map(site).sort(function (a, b) { return a.value[2] - b.value[2]; });
    var calm = sites.filter(function (d) { return !d.count; });
    var warned = sites.filter(function (d) { return d.count > 0; });
    regionsByCode = byCode(data, function (d) { return d; });
    var description = describe(data, sites);
    var named = labels(data);
    chart.setOption({
      aria: { enabled: true, label: { description: description } },
      geo: { regions: data },
      series: [
        { id: "sites", data: calm },
        { id: "labels", data: named },
        { id: "warned", data: warned },
      ],
    });
    el.dataset.levels = JSON.stringify(byCode(data, levelKey));
    el.dataset.sites = JSON.stringify(byCode(sites, levelKey));
    el.dataset.rendered = String(Date.now());
  }

  function start(geojson) {
    echarts.registerMap("forewarn", geojson);
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "item", formatter: tooltip, confine: true },
      geo: {
        map: "forewarn",
        nameProperty: "code",
        roam: true,
        selectedMode: false,
        tooltip: { show: true, formatter: tooltip },
        top: 8, bottom: 8, left: 8, right: 8,
        itemStyle: { areaColor: LV[0].color, borderColor: LV[0].border, borderWidth: LV[0].borderWidth },
        emphasis: { label: { show: true }, itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,0.4)" } },
        label: { fontSize: labelSize(), lineHeight: labelSize() * 1.25 },
        labelLayout: { hideOverlap: true },
        regions: [],
      },
      series: [
        { id: "sites", type: "scatter", coordinateSystem: "geo", animation: false, z: 2, data: [] },
        {
          id: "labels", type: "scatter", coordinateSystem: "geo", animation: false, silent: true,
          symbolSize: 0, z: 5, label: { fontSize: labelSize(), lineHeight: labelSize() * 1.25 },
          labelLayout: { hideOverlap: true }, data: [],
        },
        { id: "warned", type: "scatter", coordinateSystem: "geo", animation: false, z: 6, data: [] },
      ],
    });
    ready = true;
    render();
  }

  chart.on("click", function (p) {
    if (!p.name) return;
    window.location.href = p.componentType === "geo"
      ? "/warnings?region=" + encodeURIComponent(p.name)
      : "/sites/" + encodeURIComponent(p.name);
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
