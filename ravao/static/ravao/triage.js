/* Triage in bulk on the case page (issue 11): "select all on this page", and the bulk form posted with
   fetch so a 100-row page is updated in place: the server answers with the affected rows re-rendered, the
   counters and a sentence the live region reads. Without JavaScript the same form posts and comes back
   to the same filtered page. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var form = document.getElementById("triage");
  if (!form || !window.fetch) return;
  var status = document.getElementById("triage-status");
  var pageBox = document.getElementById("select-page");

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][name=contact][form=triage]"));
  }

  if (pageBox) {
    pageBox.closest("label").hidden = false;
    pageBox.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = pageBox.checked; });
    });
  }

  function say(text, isError) {
    status.classList.toggle("error", !!isError);
    // Emptied first, so the same sentence twice in a row is read twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    // "Send a message" goes to its compose page with the same ticked ids: a normal navigation.
    if (submitter && submitter.dataset.plain) return;
    event.preventDefault();
    var data = new FormData(form);
    var apply = document.getElementById("triage-apply");
    apply.disabled = true;
    form.setAttribute("aria-busy", "true");
    // getAttribute: the form has a field named "action", which shadows form.action.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) { say(answer.body.error || form.dataset.error, true); return; }
        var body = answer.body;
        Object.keys(body.rows).forEach(function (id) {
          var row = document.getElementById(id);
          if (!row) return;
          var holder = document.createElement("tbody");
          holder.innerHTML = body.rows[id];
          var fresh = holder.firstElementChild;
          fresh.classList.add("updated");
          row.replaceWith(fresh);
        });
        document.getElementById("triage-counts").innerHTML = body.counts;
        boxes().forEach(function (box) { box.checked = false; });
        if (pageBox) pageBox.checked = false;
        say(body.message, false);
      })
      .catch(function () { say(form.dataset.error, true); })
      .then(function () {
        apply.disabled = false;
        form.removeAttribute("aria-busy");
      });
  });
})();
