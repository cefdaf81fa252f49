// Screen mode: fetch the venue's new code when the current one expires, and count down the seconds.
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  if (!screen) return;
  var url = screen.dataset.codeUrl, left = parseInt(screen.dataset.seconds, 10);
  var qr = document.getElementById("screen-qr"), count = document.getElementById("screen-countdown");
  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.svg) return;
        qr.innerHTML = data.svg;  // an SVG rendered by the server (segno), no user input in it
        left = Math.max(1, Math.round(data.next_in));
      }, function () { left = 3; });
  }
  setInterval(function () {
    left -= 1;
    if (left <= 0) refresh();
    count.textContent = String(Math.max(left, 0));
  }, 1000);
  refresh();
})();
