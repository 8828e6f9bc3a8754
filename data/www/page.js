// The connection indicator of the sse-metricsd page. Everything else on the
// page is HTMX: the daemon renders each tick's cards and charts once for
// every viewer, and htmx-ext-sse swaps them in.
//
// The browser's EventSource reconnects by itself after the daemon restarts
// and sends Last-Event-ID; the daemon answers an id it no longer has with a
// "reset" event, then the latest tick, which replaces every card and chart.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var sources = new WeakSet();

  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  document.body.addEventListener("htmx:sseOpen", function (e) {
    var source = e.detail && e.detail.source;
    show("live", "live");
    if (source && !sources.has(source)) {
      sources.add(source);
      source.addEventListener("reset", function () {
        status.dataset.resets = String(Number(status.dataset.resets || 0) + 1);
      });
    }
  });
  document.body.addEventListener("htmx:sseError", function () {
    show("reconnecting", "reconnecting\u2026");
  });
  // A message after an error means the stream is back even if no open event was seen.
  document.body.addEventListener("htmx:sseMessage", function () {
    if (status.dataset.state !== "live")
      show("live", "live");
  });
})();
