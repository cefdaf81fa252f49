// ravao: the little plain JS the pages need. No framework; the pages work without it.
(function () {
  "use strict";
  // Live clock on the confirmation screen: the guard sees seconds tick, which a screenshot cannot do.
  // It shows the venue's time (the page's data-time-zone, else its fixed data-utc-offset in seconds),
  // like the entry time beside it, whatever zone the phone is set to (issue 12, finding 7).
  var clock = document.getElementById("live-clock");
  if (clock) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var zone = clock.getAttribute("data-time-zone");
    var offset = parseInt(clock.getAttribute("data-utc-offset") || "0", 10) || 0;
    var format = null;
    try {
      format = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone || undefined, hourCycle: "h23",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      });
    } catch (e) { format = null; }  // an old browser, or a zone it does not know: the offset below
    var tick = function () {
      var now = new Date();
      if (format && zone) {
        clock.textContent = format.format(now);
        return;
      }
      var d = new Date(now.getTime() + offset * 1000);
      clock.textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    };
    tick();
    setInterval(tick, 1000);
  }
  // After a POST the confirmation is rendered in place; give it its own address so a reload is a GET.
  var ticket = document.querySelector("[data-confirm-url]");
  if (ticket && window.history && history.replaceState) {
    history.replaceState(null, "", ticket.getAttribute("data-confirm-url"));
  }
  // A double tap on a submit button sends one request (the server is idempotent anyway).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    setTimeout(function () { delete form.dataset.sent; }, 4000);
  });
  var notice = document.getElementById("offline-notice");
  var showOffline = function () { if (notice) notice.hidden = navigator.onLine; };
  window.addEventListener("online", showOffline);
  window.addEventListener("offline", showOffline);
  showOffline();
  // The commune search box: its script only on pages with a long commune list (see places/widgets.py).
  var combo = document.querySelector("select[data-combobox]");
  if (combo) {
    var script = document.createElement("script");
    script.src = combo.getAttribute("data-combobox");
    document.head.appendChild(script);
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
})();
