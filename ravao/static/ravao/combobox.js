// ravao: a searchable commune picker (issue 14). Loaded by app.js only when a long select carries
// `data-combobox`. The select stays the form field (hidden, kept in sync); without this script it is an
// ordinary grouped select. ARIA 1.2 combobox pattern: a text input, a listbox, aria-activedescendant.
(function () {
  "use strict";
  // "Hoàn Kiếm" → "hoan kiem"; đ has no decomposition, so it is mapped by hand.
  var fold = function (s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  };
  var MAX = 60; // options shown at once: enough to scroll, few enough for an old phone.

  var enhance = function (select, n) {
    var id = select.id || "cb" + n;
    var options = [];
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) return;
      var group = o.parentNode.tagName === "OPTGROUP" ? o.parentNode.label : "";
      var words = fold(o.text).split(/[\s,()-]+/);
      options.push({ value: o.value, text: o.text, group: group, words: words });
    });
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("placeholder", select.getAttribute("data-combobox-placeholder") || "");
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var label = document.querySelector("label[for='" + select.id + "']");
    if (label) {
      label.htmlFor = input.id;
      list.setAttribute("aria-labelledby", label.id || (label.id = id + "-label"));
    }
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    select.hidden = true;
    select.tabIndex = -1;
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(list, select);
    select.parentNode.insertBefore(status, select);

    var shown = [];
    var active = -1;
    var selectedText = function () {
      var o = select.options[select.selectedIndex];
      return o && o.value ? o.text : "";
    };
    input.value = selectedText();

    var setActive = function (i) {
      var items = list.children;
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = i;
      if (i >= 0 && items[i]) {
        items[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };
    var close = function () {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    };
    // Every typed word must start a word of the name: "hoan" finds "Phường Hoàn Kiếm", "h k" too.
    var filter = function () {
      // The current choice in the box (focus, arrow down): list everything rather than itself alone.
      var typed = input.value === selectedText() ? "" : input.value;
      var query = fold(typed).split(/\s+/).filter(Boolean);
      shown = options.filter(function (o) {
        return query.every(function (q) {
          return o.words.some(function (w) { return w.indexOf(q) === 0; });
        });
      });
      list.textContent = "";
      shown.slice(0, MAX).forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = id + "-opt" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = o.text;
        if (o.group) {
          var small = document.createElement("small");
          small.textContent = " · " + o.group;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var template = shown.length
        ? select.getAttribute("data-combobox-results") || "%(count)s"
        : select.getAttribute("data-combobox-none") || "0";
      status.textContent = template.replace("%(count)s", String(shown.length));
    };
    var choose = function (i) {
      var o = shown[i];
      if (!o) return;
      select.value = o.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = o.text;
      close();
    };

    input.addEventListener("input", filter);
    input.addEventListener("focus", function () { if (input.value === selectedText()) input.select(); });
    input.addEventListener("keydown", function (e) {
      var count = Math.min(shown.length, MAX);
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden) filter();
        setActive(Math.min(active + 1, Math.min(shown.length, MAX) - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        setActive(Math.max(active - 1, 0));
      } else if (e.key === "Enter" && !list.hidden) {
        // Enter picks the highlighted (or the only) match instead of submitting the form half-filled.
        e.preventDefault();
        choose(active >= 0 ? active : count === 1 ? 0 : -1);
      } else if (e.key === "Escape") {
        input.value = selectedText();
        close();
      }
    });
    input.addEventListener("blur", function () {
      // Nothing typed: no commune (the field may be optional); anything else falls back to the choice.
      if (!input.value.trim()) select.value = "";
      input.value = selectedText();
      close();
    });
  };

  Array.prototype.forEach.call(document.querySelectorAll("select[data-combobox]"), enhance);
})();
