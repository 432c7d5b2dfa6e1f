// Searchable selects (Tom Select) and date pickers (flatpickr) for the controls the
// shared form layer marks with data-search-select / data-datepicker. Runs on page load
// and on every fragment htmx swaps in. Options are written as text nodes, never HTML.
(function () {
  "use strict";

  function chineseLocale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  }

  function textElement(tag, className, text) {
    var element = document.createElement(tag);
    element.className = className;
    element.textContent = text;
    return element;
  }

  function searchSelect(select) {
    if (select.tomselect || typeof window.TomSelect !== "function") { return; }
    var multiple = select.multiple;
    var settings = {
      plugins: multiple ? ["remove_button"] : [],
      maxOptions: null,
      allowEmptyOption: !multiple && !select.required,
      hidePlaceholder: true,
      closeAfterSelect: !multiple,
      dropdownParent: "body",
      render: {
        option: function (data) { return textElement("div", "option", data.text); },
        item: function (data) { return textElement("div", "item", data.text); },
        no_results: function () {
          return textElement("div", "no-results", select.dataset.noResults || "—");
        }
      }
    };
    var control = new window.TomSelect(select, settings);
    // Tom Select searches what was typed a moment after the last key (refreshThrottle),
    // and that search opens the list and focuses its box again. Once the person has left
    // the box or closed the list, a search still waiting would pull them back: the keyboard
    // pops up over the field they moved on to and an open date calendar closes. So leaving
    // or closing drops it (refreshTimeout is Tom Select 2.6's handle for that search).
    function dropPendingSearch() {
      if (control.refreshTimeout) {
        window.clearTimeout(control.refreshTimeout);
        control.refreshTimeout = null;
      }
    }
    control.control_input.addEventListener("blur", dropPendingSearch);
    control.on("dropdown_close", dropPendingSearch);
    control.on("item_add", dropPendingSearch);
    // The typed-into box carries the field's accessible name, as the select did.
    var label = select.getAttribute("aria-label");
    if (label && control.control_input) { control.control_input.setAttribute("aria-label", label); }
    if (select.classList.contains("is-invalid")) { control.wrapper.classList.add("is-invalid"); }
  }

  function datePicker(input) {
    if (input._flatpickr || typeof window.flatpickr !== "function") { return; }
    var withTime = input.dataset.datepicker === "datetime";
    var options = {
      allowInput: true,
      disableMobile: true,
      dateFormat: withTime ? "Y-m-d H:i" : "Y-m-d",
      enableTime: withTime,
      time_24hr: true
    };
    if (chineseLocale() && window.flatpickr.l10ns && window.flatpickr.l10ns.zh) {
      options.locale = window.flatpickr.l10ns.zh;
    }
    var picker = window.flatpickr(input, options);
    // Typing a date (or pasting one) needs no calendar over the rest of the form.
    input.addEventListener("input", function (event) { if (event.isTrusted) { picker.close(); } });
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("select[data-search-select]").forEach(searchSelect);
    scope.querySelectorAll("input[data-datepicker]").forEach(datePicker);
  }

  if (window.htmx && typeof window.htmx.onLoad === "function") {
    window.htmx.onLoad(enhance);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
