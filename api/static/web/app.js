/* wijknet web app: comboboxes over the listbox options htmx loads (see api/web/widgets.py).
   Without this script the pickers still work: the typed names are resolved on the server. */
(function () {
  "use strict";

  function options(list) { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

  function setup(box) {
    var input = box.querySelector("input[role=combobox]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-combo-status]");
    if (!input || !list) return;
    var multi = box.getAttribute("data-combo") === "multi";
    var active = -1;
    if (multi) input.removeAttribute("list"); // the listbox replaces the datalist

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      var items = options(list);
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function choose(li) {
      var value = li.getAttribute("data-value"), label = li.getAttribute("data-label");
      var href = li.getAttribute("data-href");
      if (href) { window.location.assign(href); return; } // a search suggestion: go there
      if (multi) {
        var name = box.getAttribute("data-name");
        var chips = box.querySelector("[data-combo-chips]");
        var exists = chips.querySelector("input[value='" + CSS.escape(value) + "']");
        if (exists) { exists.checked = true; }
        else {
          var item = document.createElement("li");
          var lab = document.createElement("label");
          lab.className = "check";
          var cb = document.createElement("input");
          cb.type = "checkbox"; cb.name = name; cb.value = value; cb.checked = true;
          var span = document.createElement("span");
          span.textContent = label;
          lab.appendChild(cb); lab.appendChild(document.createTextNode(" ")); lab.appendChild(span);
          item.appendChild(lab); chips.appendChild(item);
        }
        var none = box.querySelector("[data-combo-none]");
        if (none) none.hidden = true;
        input.value = "";
      } else {
        input.value = label;
        var hidden = box.querySelector("[data-combo-value]");
        if (hidden) hidden.value = value;
      }
      close();
      input.focus();
    }

    input.addEventListener("input", function () {
      var hidden = box.querySelector("[data-combo-value]");
      if (hidden) hidden.value = "";
      if (!input.value.trim()) { list.innerHTML = ""; close(); }
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && options(list).length > 0;
      if (e.key === "ArrowDown" && open) { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp" && open) { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter" && open && active >= 0) { e.preventDefault(); choose(options(list)[active]); }
      else if (e.key === "Escape" && open) { e.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    list.addEventListener("mousedown", function (e) {
      var li = e.target.closest("[role=option]");
      if (li) { e.preventDefault(); choose(li); }
    });
    list.addEventListener("htmx:afterSwap", function () {
      var n = options(list).length;
      active = -1;
      list.hidden = n === 0;
      input.setAttribute("aria-expanded", n > 0 ? "true" : "false");
      if (status) {
        status.textContent = n > 0
          ? (box.getAttribute("data-count") || "").replace("{n}", String(n))
          : (input.value.trim() ? box.getAttribute("data-none") || "" : "");
      }
    });
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-combo]"), setup);
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
})();
