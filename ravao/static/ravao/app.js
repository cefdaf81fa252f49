// ravao: the little plain JS the pages need. No framework; the pages work without it.
(function () {
  "use strict";
  // Live clock on the confirmation screen: the guard sees seconds tick, which a screenshot cannot do.
  var clock = document.getElementById("live-clock");
  if (clock) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var d = new Date();
      clock.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
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
