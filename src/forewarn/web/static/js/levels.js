/* Warning levels as the map and charts draw them: colour, and also pattern and outline, so
   that the level never rests on colour alone (colour-blind readers, grey-scale prints). */
(function () {
  "use strict";
  var decal = function (rotation, dash, symbolSize) {
    return {
      symbol: "rect",
      symbolSize: symbolSize,
      color: "rgba(0, 0, 0, 0.35)",
      dashArrayX: [1, 0],
      dashArrayY: dash,
      rotation: rotation,
    };
  };
  window.forewarnLevels = {
    0: { key: "none", roman: "", zh: "", color: "#eef1f4", text: "#1b2733", border: "#8a96a3", borderWidth: 0.6, decal: null },
    1: { key: "blue", roman: "IV", zh: "蓝", color: "#1f5fc4", text: "#ffffff", border: "#123a7a", borderWidth: 1.2, decal: null },
    2: { key: "yellow", roman: "III", zh: "黄", color: "#f7d038", text: "#1b2733", border: "#6b5400", borderWidth: 1.6, decal: decal(-Math.PI / 4, [2, 8], 1) },
    3: { key: "orange", roman: "II", zh: "橙", color: "#f08a24", text: "#1b2733", border: "#6e3500", borderWidth: 2.2, decal: decal(Math.PI / 4, [3, 4], 1) },
    4: { key: "red", roman: "I", zh: "红", color: "#c62828", text: "#ffffff", border: "#3d0000", borderWidth: 3, decal: decal(0, [4, 3], 1) },
  };
  // mode: "time" (14:05), "date" (2026-05-01) or anything else for both, in the display zone
  // (sv-SE writes ISO-like dates, as the server does).
  window.forewarnFormatTime = function (ms, tz, lang, mode) {
    var opts = { timeZone: tz, hour12: false };
    if (mode !== "date") { opts.hour = "2-digit"; opts.minute = "2-digit"; }
    if (mode !== "time") { opts.year = "numeric"; opts.month = "2-digit"; opts.day = "2-digit"; }
    try {
      return new Intl.DateTimeFormat("sv-SE", opts).format(new Date(ms));
    } catch (e) {
      return new Date(ms).toISOString();
    }
  };
})();
