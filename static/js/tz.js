// The time-zone worker (portal.js "Time zone"): the first use of Intl in a
// page initialises the browser's time-zone and locale data, a task of tens
// of milliseconds (a hundred on a slow phone) that would block the page's
// main thread. Here it runs beside the page instead. Asked with
// {id, lang, times: [{datetime, format}]}, it answers {id, zone, texts},
// one text per time (null when it cannot be formatted).
"use strict";
var zone = null;
var formats = {};
onmessage = function (e) {
  var req = e.data || {};
  if (zone === null) {
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (err) { zone = ""; }
  }
  // Until it knows the zone the server prints every time in UTC: in UTC
  // its texts are already right, and rewriting them would only lay the
  // page out again (docs/design.md "Assets").
  var utc = /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu)$/.test(zone);
  var texts = (req.times || []).map(function (t) {
    if (!zone || utc) return null;
    var key = req.lang + "|" + t.format;
    try {
      if (!formats[key]) {
        var opts = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short", timeZone: zone };
        if (t.format === "date") opts = { year: "numeric", month: "short", day: "numeric", timeZone: zone };
        if (t.format === "time") opts = { hour: "2-digit", minute: "2-digit", timeZone: zone };
        formats[key] = new Intl.DateTimeFormat(req.lang, opts);
      }
      return formats[key].format(new Date(t.datetime));
    } catch (err) {
      return null;
    }
  });
  postMessage({ id: req.id, zone: zone, texts: texts });
};
