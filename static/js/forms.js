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
    window.flatpickr(input, options);
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
