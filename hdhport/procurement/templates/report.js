/* hdhport diff report: filters, sortable columns, drill-down links and printing. No library, nothing fetched. */
(function () {
  "use strict";
  var matrix = document.getElementById("matrix");
  if (!matrix) { return; }
  var body = matrix.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, index) { row.dataset.index = String(index); });
  var filters = {
    family: document.getElementById("filter-family"),
    requirement: document.getElementById("filter-requirement"),
    offer: document.getElementById("filter-offer"),
    bidder: document.getElementById("filter-bidder")
  };
  var shown = document.getElementById("shown");

  function bidderCells(row, bidder) {
    var cells = Array.prototype.slice.call(row.querySelectorAll("td[data-bidder]"));
    return bidder ? cells.filter(function (cell) { return cell.dataset.bidder === bidder; }) : cells;
  }

  function visible(row) {
    if (filters.family.value && row.dataset.family !== filters.family.value) { return false; }
    if (filters.requirement.value && row.dataset.requirement !== filters.requirement.value) { return false; }
    if (!filters.offer.value) { return true; }
    return bidderCells(row, filters.bidder.value).some(function (cell) {
      return cell.dataset.offer === filters.offer.value;
    });
  }

  // Choosing one bidder narrows the matrix to its column, so its answers read top to bottom.
  function showColumns() {
    var bidder = filters.bidder.value;
    matrix.querySelectorAll("[data-bidder]").forEach(function (element) {
      element.classList.toggle("hidden-column", Boolean(bidder) && element.dataset.bidder !== bidder);
    });
  }

  function applyFilters() {
    var count = 0;
    rows.forEach(function (row) {
      var keep = visible(row);
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    showColumns();
    shown.textContent = count + " of " + rows.length + " services shown";
  }

  Object.keys(filters).forEach(function (name) { filters[name].addEventListener("change", applyFilters); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    Object.keys(filters).forEach(function (name) { filters[name].value = ""; });
    applyFilters();
  });

  function sortBy(header) {
    var column = header.cellIndex;
    var numeric = header.dataset.sort === "number";
    var direction = header.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    var sign = direction === "ascending" ? 1 : -1;
    matrix.tHead.querySelectorAll("th[data-sort]").forEach(function (other) {
      other.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", direction);
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      // Ties keep the catalogue's order, whichever the direction.
      return order !== 0 ? sign * order : Number(a.dataset.index) - Number(b.dataset.index);
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  matrix.tHead.querySelectorAll("th[data-sort] button").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.closest("th")); });
  });

  // A link to an answer or a bidder opens the bidder's collapsed section first.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    var section = target.closest("details");
    if (section) { section.open = true; }
    target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Printing shows every bidder's drill-down, then restores what was open.
  var wasOpen = [];
  window.addEventListener("beforeprint", function () {
    wasOpen = Array.prototype.map.call(document.querySelectorAll("details"), function (section) {
      var open = section.open;
      section.open = true;
      return open;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details").forEach(function (section, index) { section.open = wasOpen[index]; });
  });

  applyFilters();
}());
