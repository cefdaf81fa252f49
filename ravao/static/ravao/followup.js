/* "My calls today": each record form posts in the background and the row says what was saved, with no
   reload. Without JavaScript the same forms post and come back to the list. Messages come from the server
   (translated) or from the page's data-error attribute. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var page = document.querySelector(".calls-page");
  if (!page) return;
  page.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("visit-form")) return;
    event.preventDefault();
    var button = event.submitter;
    var data = new FormData(form);
    if (button && button.name) data.set(button.name, button.value);
    var row = form.closest(".call");
    var result = form.querySelector(".call-result");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    })
      .then(function (r) { return r.json().catch(function () { return { ok: false }; }); })
      .then(function (answer) {
        result.classList.toggle("error", !answer.ok);
        if (answer.ok) {
          result.textContent = answer.message;
          row.classList.add("done");
          row.classList.toggle("suspected", answer.followup === "suspected");
          if (answer.followup === "suspected" && !row.querySelector(".propose-test")) {
            var badge = document.createElement("span");
            badge.className = "propose-test";
            badge.textContent = page.dataset.proposeTest;
            row.querySelector(".call-head").appendChild(badge);
          }
          row.dataset.saved = answer.status;
          var details = form.querySelector("details");
          if (details) details.open = false;
        } else {
          result.textContent = answer.error || page.dataset.error;
        }
      })
      .catch(function () {
        result.classList.add("error");
        result.textContent = page.dataset.error;
      })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  });
})();
