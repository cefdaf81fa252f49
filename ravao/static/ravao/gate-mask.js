// ravao: the gate's one name-masking rule, the same as Python's ravao.lib.text.mask_name (a test runs both
// over the same names: ravao/checkins/tests/test_mask_rule.py). "Nguyễn Văn An" → "Nguyễn V. A.": the family
// name, then initials. Used by gate.js to preview an ID card read offline, before the server answers.
(function (root) {
  "use strict";
  // Python's str.isspace() characters, not JS's \s (which adds U+FEFF and lacks U+001C–U+001F and U+0085).
  var SPACES = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  // The first code point (as Python's w[:1]), never half of a surrogate pair.
  function first(word) { return Array.from(word)[0] || ""; }
  function maskName(fullName) {
    var words = String(fullName || "").normalize("NFC").split(SPACES).filter(Boolean);
    if (words.length < 2) return words.length ? first(words[0]) + "." : "";
    return [words[0]].concat(words.slice(1).map(function (w) { return first(w).toUpperCase() + "."; })).join(" ");
  }
  root.ravaoMaskName = maskName;
})(typeof window !== "undefined" ? window : globalThis);
