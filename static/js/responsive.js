// Tables of every page: on phones each row becomes a card whose cells carry their
// column's name (data-label, shown by responsive.css); on wider screens a table that is
// wider than the page scrolls inside its own box.
(function () {
  "use strict";
  function labelTable(table) {
    if (table.dataset.cardsReady) { return; }
    table.dataset.cardsReady = "1";
    var cards = !table.closest("[data-no-cards]");
    var head = cards && table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    var labels = [];
    if (head) {
      Array.prototype.forEach.call(head.cells, function (cell) {
        var span = cell.colSpan || 1;
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var i = 0; i < span; i += 1) { labels.push(text); }
      });
    }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var index = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (labels[index] && !cell.hasAttribute("data-label") && (cell.colSpan || 1) === 1) {
            cell.setAttribute("data-label", labels[index]);
          }
          index += cell.colSpan || 1;
        });
      });
    });
    // Only lists become cards: a table with a column header row of three or more
    // columns; two-column tables (field / value) already fit a phone.
    if (labels.length >= 3) { table.classList.add("table-cards"); }
    var parent = table.parentElement;
    if (parent && !parent.classList.contains("table-responsive") && !parent.classList.contains("table-scroll")) {
      var box = document.createElement("div");
      box.className = "table-scroll";
      parent.insertBefore(box, table);
      box.appendChild(table);
    }
  }
  function labelAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("main table"), labelTable);
  }
  labelAll(document);
  // Rows swapped in by htmx get their labels too.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!target || !target.querySelectorAll) { return; }
    var tables = Array.prototype.slice.call(target.querySelectorAll("table"));
    var owner = target.closest && target.closest("table");
    if (owner) { tables.push(owner); }
    tables.forEach(function (table) { delete table.dataset.cardsReady; labelTable(table); });
  });
})();
