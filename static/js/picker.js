// Search boxes that choose records out of a large ledger (branches/widgets.py renders them).
// The hidden <select> holds what is chosen and is what the form submits.
(function () {
  "use strict";
  var DELAY = 250;

  function picker(root) {
    var select = root.querySelector("select");
    var query = root.querySelector("[data-picker-query]");
    var results = root.querySelector("[data-picker-results]");
    var chosen = root.querySelector(".picker-chosen");
    var timer = null;
    var asked = 0;

    function chip(value, label) {
      var item = document.createElement("li");
      item.className = "picker-chip";
      item.dataset.value = value;
      var text = document.createElement("span");
      text.textContent = label;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn-close";
      remove.dataset.pickerRemove = "";
      remove.setAttribute("aria-label", root.dataset.remove + " " + label);
      item.appendChild(text);
      item.appendChild(remove);
      return item;
    }

    function optionFor(value) {
      return Array.prototype.find.call(select.options, function (option) { return option.value === value; });
    }

    function choose(value, label) {
      if (!select.multiple) {
        select.innerHTML = "";
        chosen.innerHTML = "";
      }
      if (!optionFor(value)) {
        select.add(new Option(label, value, true, true));
        chosen.appendChild(chip(value, label));
      }
      query.value = "";
      results.innerHTML = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
      query.focus();
    }

    function note(text) {
      results.innerHTML = "";
      var line = document.createElement("div");
      line.className = "list-group-item text-body-secondary small";
      line.textContent = text;
      results.appendChild(line);
    }

    function show(found) {
      results.innerHTML = "";
      if (!found.length) { note(root.dataset.empty); return; }
      found.forEach(function (item) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "list-group-item list-group-item-action";
        button.dataset.value = String(item.id);
        button.textContent = item.label;
        if (item.hint) {
          var hint = document.createElement("small");
          hint.className = "text-body-secondary ms-2";
          hint.textContent = item.hint;
          button.appendChild(hint);
        }
        if (optionFor(String(item.id))) { button.classList.add("active"); button.setAttribute("aria-pressed", "true"); }
        button.addEventListener("click", function () { choose(String(item.id), item.label); });
        results.appendChild(button);
      });
    }

    function search() {
      var text = query.value.trim();
      if (!text) { results.innerHTML = ""; return; }
      var mine = ++asked;
      fetch(root.dataset.source + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (mine === asked) { show(data.results || []); }
      }).catch(function () {
        if (mine === asked) { note(root.dataset.failed); }
      });
    }

    chosen.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-picker-remove]");
      if (!remove) { return; }
      var item = remove.closest("[data-value]");
      var option = optionFor(item.dataset.value);
      if (option) { option.remove(); }
      item.remove();
      select.dispatchEvent(new Event("change", { bubbles: true }));
      query.focus();
    });
    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    query.addEventListener("keydown", function (event) {
      var first = results.querySelector("button");
      if (event.key === "Enter") {
        event.preventDefault();  // Enter chooses the first match instead of submitting the form
        if (first) { first.click(); }
      } else if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      }
    });
    results.addEventListener("keydown", function (event) {
      var current = event.target.closest("button");
      if (!current) { return; }
      var next = event.key === "ArrowDown" ? current.nextElementSibling
        : event.key === "ArrowUp" ? (current.previousElementSibling || query) : null;
      if (next) { event.preventDefault(); next.focus(); }
    });
  }

  document.querySelectorAll("[data-picker]").forEach(picker);
})();
