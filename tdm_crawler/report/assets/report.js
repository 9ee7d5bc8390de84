/* tdm-crawler report: filterable, sortable virtual tables over the embedded JSON.
 *
 * Data (written by tdm_crawler/report/html_report.py):
 *   #tdm-meta     {decisions, colours, reasons, reasonCounts, origins, originRows}
 *   #tdm-rows     [[url, origin#, decision#, reason#, status, stored, fetched_at, final_url|0]]
 *   #tdm-details  [[signal#s, evidence#s, tdm_reservation, tdm_policy, sha256, warc_id,
 *                   stage, hops, failure]]  (parsed on first use)
 *   #tdm-values   shared table: signals [protocol, source, value, detail], evidence [what, id]
 * Only the rows in view are in the DOM, so 100,000 URLs scroll as fast as 100.
 */
(function () {
  "use strict";

  var ROW_HEIGHT = 28;
  var STAGES = {
    before: "before fetching, from the origin's policy files",
    after: "after fetching the response",
    failed: "the fetch failed"
  };
  var OVERSCAN = 8;

  function byId(id) { return document.getElementById(id); }
  function readJson(id) { return JSON.parse(byId(id).textContent); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  var meta = readJson("tdm-meta");
  var rows = readJson("tdm-rows");
  var details = null;
  var values = null;
  /* reason -> [protocol, source or null]: the signal that carries the deciding value. */
  var DECIDERS = {
    "robots-disallow": ["robots", null], "robots-unreachable": ["robots", null],
    "robots-ai-agent": ["robots-ai-agent", null],
    "tdmrep-file": ["tdmrep", "file"], "tdmrep-file-unavailable": ["tdmrep", "file"],
    "tdmrep-header": ["tdmrep", "header"], "tdmrep-meta": ["tdmrep", "meta"],
    "tdmrep-pdf": ["tdmrep", "pdf"], "tdmrep-epub": ["tdmrep", "epub"],
    "x-robots-noai": ["noai", "header"], "meta-robots-noai": ["noai", "meta"],
    "content-usage": ["content-usage", null], "content-signal": ["content-signal", null],
    "rsl": ["rsl", null], "c2pa": ["c2pa", null],
    "http-status": ["http", "status"], "fetch-failed": ["http", "fetch"],
    "excluded-source": ["excluded-source", null], "paywalled": ["paywall", null],
    "purged": ["purge", "complaint"]
  };
  function saidSomething(value) {
    if (value === null || value === undefined || value === "") { return false; }
    if (Array.isArray(value)) { return value.length > 0; }
    if (typeof value === "object") {
      return Object.keys(value).some(function (key) { return saidSomething(value[key]); });
    }
    return true;
  }
  /* Position of the deciding signal, -1 if none: the last matching signal that says
   * something (as the last TDMRep layer that says something wins), else the first match. */
  function decidingSignal(reason, signals) {
    var wanted = DECIDERS[reason];
    if (!wanted) { return -1; }
    var found = -1;
    signals.forEach(function (signal, position) {
      if (signal[0] !== wanted[0] || (wanted[1] !== null && signal[1] !== wanted[1])) { return; }
      if (found < 0 || saidSomething(signal[2])) { found = position; }
    });
    return found;
  }

  function loadDetails() {
    if (details === null) {
      details = readJson("tdm-details");
      values = readJson("tdm-values");
    }
  }

  /* A table with a fixed row height whose body renders only the rows in view.
   * columns: [{label, width, get(id) -> value for sorting, text(id) -> string,
   *            cls?, render?(id, cell)}] */
  function VirtualTable(root, columns, onSelect) {
    this.columns = columns;
    this.onSelect = onSelect;
    this.ids = [];
    this.sortColumn = -1;
    this.sortDescending = false;
    this.selected = -1;
    var template = columns.map(function (c) { return c.width; }).join(" ");
    root.classList.add("vt");
    root.textContent = "";
    this.head = el("div", { "class": "vt-head", role: "row" });
    this.head.style.gridTemplateColumns = template;
    this.template = template;
    var self = this;
    columns.forEach(function (column, index) {
      var cell = el("div", { role: "columnheader", title: "Sort by " + column.label }, column.label);
      cell.addEventListener("click", function () { self.sortBy(index); });
      self.head.appendChild(cell);
    });
    this.body = el("div", { "class": "vt-body", role: "rowgroup" });
    this.spacer = el("div", { "class": "vt-spacer" });
    this.body.appendChild(this.spacer);
    root.appendChild(this.head);
    root.appendChild(this.body);
    root.setAttribute("role", "table");
    this.body.addEventListener("scroll", function () { self.render(); });
    this.spacer.addEventListener("click", function (event) {
      var row = event.target.closest(".vt-row");
      if (row) { self.select(Number(row.dataset.id)); }
    });
    this.spacer.addEventListener("keydown", function (event) {
      var row = event.target.closest(".vt-row");
      if (row && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        self.select(Number(row.dataset.id));
      }
    });
  }

  VirtualTable.prototype.setIds = function (ids) {
    this.ids = ids;
    this.applySort();
    this.body.scrollTop = 0;
    this.spacer.style.height = Math.max(ids.length * ROW_HEIGHT, 1) + "px";
    this.render();
  };

  VirtualTable.prototype.sortBy = function (index) {
    if (this.sortColumn === index) {
      this.sortDescending = !this.sortDescending;
    } else {
      this.sortColumn = index;
      this.sortDescending = false;
    }
    var cells = this.head.children;
    for (var i = 0; i < cells.length; i++) {
      if (i === index) {
        cells[i].setAttribute("aria-sort", this.sortDescending ? "descending" : "ascending");
      } else {
        cells[i].removeAttribute("aria-sort");
      }
    }
    this.applySort();
    this.render();
  };

  VirtualTable.prototype.applySort = function () {
    if (this.sortColumn < 0) { return; }
    var get = this.columns[this.sortColumn].get;
    var keyed = this.ids.map(function (id) { return [get(id), id]; });
    var direction = this.sortDescending ? -1 : 1;
    keyed.sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x === y) { return a[1] - b[1]; }
      if (x === null || x === undefined) { return 1; }
      if (y === null || y === undefined) { return -1; }
      return (x < y ? -1 : 1) * direction;
    });
    this.ids = keyed.map(function (pair) { return pair[1]; });
  };

  VirtualTable.prototype.render = function () {
    var spacer = this.spacer;
    spacer.textContent = "";
    if (!this.ids.length) {
      spacer.appendChild(el("div", { "class": "vt-empty" }, "No rows match."));
      spacer.style.height = "44px";
      return;
    }
    var top = this.body.scrollTop;
    var height = this.body.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    var last = Math.min(this.ids.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    var fragment = document.createDocumentFragment();
    for (var position = first; position < last; position++) {
      var id = this.ids[position];
      var row = el("div", { "class": "vt-row", role: "row", tabindex: "0" });
      row.dataset.id = String(id);
      row.style.top = position * ROW_HEIGHT + "px";
      row.style.gridTemplateColumns = this.template;
      if (id === this.selected) { row.classList.add("selected"); }
      this.columns.forEach(function (column) {
        var cell = el("div", { role: "cell" });
        if (column.cls) { cell.className = column.cls; }
        if (column.render) {
          column.render(id, cell);
        } else {
          var text = column.text(id);
          cell.textContent = text;
          cell.title = text;
        }
        row.appendChild(cell);
      });
      fragment.appendChild(row);
    }
    spacer.appendChild(fragment);
  };

  VirtualTable.prototype.select = function (id) {
    this.selected = id;
    this.render();
    if (this.onSelect) { this.onSelect(id); }
  };

  /* A signal's value on one line, with spaces after commas and colons so it wraps. */
  function showValue(value) {
    if (value === null || value === undefined) { return "—"; }
    return JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
  }

  function pill(decision) {
    return el("span", { "class": "pill d-" + decision }, decision);
  }
  function count(n) { return n === null || n === undefined ? "" : Number(n).toLocaleString("en"); }
  /* "2026-11-26T00:39:17.2Z" -> "11-26 00:39:17" (the full time is in the detail view). */
  function shortTime(text) { return text ? String(text).slice(5, 19).replace("T", " ") : ""; }

  /* --- the per-URL table ------------------------------------------------------------ */
  var decisions = meta.decisions;
  var urlTable = new VirtualTable(byId("urls"), [
    { label: "URL", width: "minmax(0, 3fr)", get: function (i) { return rows[i][0]; },
      text: function (i) { return rows[i][0]; }, cls: "mono" },
    { label: "decision", width: "96px", get: function (i) { return rows[i][2]; },
      render: function (i, cell) { cell.appendChild(pill(decisions[rows[i][2]])); } },
    { label: "reason", width: "minmax(120px, 0.9fr)", get: function (i) { return meta.reasons[rows[i][3]]; },
      text: function (i) { return meta.reasons[rows[i][3]]; } },
    { label: "HTTP", width: "60px", get: function (i) { return rows[i][4]; },
      text: function (i) { return rows[i][4] === null ? "—" : String(rows[i][4]); }, cls: "num" },
    { label: "stored", width: "66px", get: function (i) { return rows[i][5]; },
      text: function (i) { return rows[i][5] ? "yes" : ""; } },
    { label: "fetched (UTC)", width: "124px", get: function (i) { return rows[i][6]; },
      text: function (i) { return shortTime(rows[i][6]); } }
  ], showDetail);

  var filters = {
    decision: byId("f-decision"), reason: byId("f-reason"), origin: byId("f-origin"),
    text: byId("f-text")
  };
  decisions.forEach(function (name, index) {
    var n = rows.reduce(function (sum, row) { return sum + (row[2] === index ? 1 : 0); }, 0);
    if (n) { filters.decision.appendChild(el("option", { value: String(index) }, name + " (" + count(n) + ")")); }
  });
  meta.reasons
    .map(function (name, index) { return [name, index]; })
    .sort(function (a, b) { return meta.reasonCounts[b[1]] - meta.reasonCounts[a[1]]; })
    .forEach(function (pair) {
      filters.reason.appendChild(el("option", { value: String(pair[1]) },
        pair[0] + " (" + count(meta.reasonCounts[pair[1]]) + ")"));
    });
  meta.origins
    .map(function (name, index) { return [name, index]; })
    .sort(function (a, b) { return a[0] < b[0] ? -1 : 1; })
    .forEach(function (pair) {
      filters.origin.appendChild(el("option", { value: String(pair[1]) },
        pair[0] + " (" + count(meta.originRows[pair[1]][1]) + ")"));
    });

  var lowered = null;
  function applyFilters() {
    var decision = filters.decision.value === "" ? -1 : Number(filters.decision.value);
    var reason = filters.reason.value === "" ? -1 : Number(filters.reason.value);
    var origin = filters.origin.value === "" ? -1 : Number(filters.origin.value);
    var needle = filters.text.value.trim().toLowerCase();
    if (needle && lowered === null) {
      lowered = rows.map(function (row) {
        return (row[0] + " " + (row[7] || "")).toLowerCase();
      });
    }
    var ids = [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (decision >= 0 && row[2] !== decision) { continue; }
      if (reason >= 0 && row[3] !== reason) { continue; }
      if (origin >= 0 && row[1] !== origin) { continue; }
      if (needle && lowered[i].indexOf(needle) < 0) { continue; }
      ids.push(i);
    }
    urlTable.setIds(ids);
    byId("url-count").textContent = count(ids.length) + " of " + count(rows.length) + " URLs";
  }

  var pending = 0;
  filters.text.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(applyFilters, 120);
  });
  ["decision", "reason", "origin"].forEach(function (name) {
    filters[name].addEventListener("change", applyFilters);
  });
  byId("f-clear").addEventListener("click", function () {
    filters.decision.value = filters.reason.value = filters.origin.value = "";
    filters.text.value = "";
    applyFilters();
  });

  /* --- the detail view --------------------------------------------------------------- */
  var panel = byId("detail");
  function closeDetail() {
    panel.hidden = true;
    panel.parentNode.classList.remove("open");
    urlTable.selected = -1;
    urlTable.render();
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { closeDetail(); }
  });

  function field(list, label, value, mono) {
    if (value === null || value === undefined || value === "") { return; }
    list.appendChild(el("dt", null, label));
    var dd = el("dd", mono ? { "class": "mono" } : null);
    if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
    list.appendChild(dd);
  }

  function showDetail(id) {
    loadDetails();
    var row = rows[id];
    var info = details[id];
    panel.textContent = "";
    var close = el("button", { "class": "close", type: "button", "aria-label": "Close" }, "×");
    close.addEventListener("click", closeDetail);
    panel.appendChild(close);
    panel.appendChild(el("h3", { "class": "mono" }, row[0]));
    var list = el("dl");
    var decision = el("span");
    decision.appendChild(pill(decisions[row[2]]));
    decision.appendChild(document.createTextNode(" " + meta.reasons[row[3]]));
    field(list, "Decision", decision);
    field(list, "Origin", meta.origins[row[1]], true);
    field(list, "Final URL", row[7] || null, true);
    field(list, "Redirect hops", info[7].length ? info[7].join(" → ") : null, true);
    field(list, "HTTP status", row[4] === null ? "not fetched" : row[4]);
    field(list, "Fetched", row[6]);
    field(list, "Stored", row[5] ? "yes" : "no");
    field(list, "TDMRep", "tdm-reservation=" + (info[2] === null ? "unset" : info[2]) +
      "  tdm-policy=" + (info[3] === null ? "unset" : info[3]));
    field(list, "Decided", STAGES[info[6]] || info[6]);
    field(list, "Failure", info[8]);
    field(list, "Content SHA-256", info[4], true);
    field(list, "WARC record", info[5], true);
    panel.appendChild(list);

    var signals = info[0].map(function (number) { return values[number]; });
    var decider = decidingSignal(meta.reasons[row[3]], signals);
    panel.appendChild(el("h4", null, "Signals (" + signals.length + ")"));
    var table = el("table", { "class": "signals" });
    var head = el("tr");
    ["protocol", "source", "value", "detail"].forEach(function (name) { head.appendChild(el("th", null, name)); });
    table.appendChild(head);
    signals.forEach(function (signal, position) {
      var tr = el("tr", position === decider ? { "class": "decider", title: "the deciding signal" } : null);
      tr.appendChild(el("td", null, signal[0]));
      tr.appendChild(el("td", null, signal[1]));
      tr.appendChild(el("td", { "class": "value" }, showValue(signal[2])));
      tr.appendChild(el("td", null, signal[3]));
      table.appendChild(tr);
    });
    panel.appendChild(table);

    panel.appendChild(el("h4", null, "Evidence records"));
    if (info[1].length) {
      var evidence = el("table", { "class": "evidence" });
      info[1].forEach(function (number) {
        var pair = values[number];
        var tr = el("tr");
        tr.appendChild(el("td", null, pair[0]));
        tr.appendChild(el("td", { "class": "mono" }, pair[1]));
        evidence.appendChild(tr);
      });
      panel.appendChild(evidence);
    } else {
      panel.appendChild(el("p", { "class": "note" }, "No evidence records."));
    }
    panel.hidden = false;
    panel.parentNode.classList.add("open");
    panel.scrollTop = 0;
  }

  /* --- the per-origin table ---------------------------------------------------------- */
  var origins = meta.originRows;
  function originColumn(label, index, width, numeric) {
    return {
      label: label, width: width, cls: numeric ? "num" : undefined,
      get: function (i) { return origins[i][index]; },
      text: function (i) {
        var value = origins[i][index];
        if (value === null || value === undefined) { return ""; }
        return numeric ? count(value) : String(value);
      }
    };
  }
  var originName = originColumn("origin", 0, "minmax(0, 1.6fr)");
  originName.render = function (i, cell) {
    var row = origins[i];
    cell.textContent = row[0];
    cell.title = row[0] +
      (row[14].length ? "\npolicy-file evidence records: " + row[14].join(", ") : "") +
      (row[13] ? "\nRSL licences: " + row[13] : "");
  };
  var originTable = new VirtualTable(byId("origins"), [
    originName,
    originColumn("URLs", 1, "72px", true),
    originColumn("stored", 2, "66px", true),
    originColumn("reserved", 4, "84px", true),
    originColumn("disallowed", 5, "96px", true),
    originColumn("unknown", 6, "86px", true),
    originColumn("error", 7, "58px", true),
    originColumn("robots.txt", 8, "minmax(0, 1.2fr)"),
    originColumn("tdmrep.json", 9, "minmax(0, 1.2fr)"),
    originColumn("rules", 10, "58px", true),
    originColumn("protocols", 11, "minmax(0, 1fr)"),
    originColumn("policy contact", 12, "minmax(0, 1fr)")
  ], function (id) {
    filters.origin.value = String(id);
    applyFilters();
    byId("urls-section").scrollIntoView({ block: "start" });
  });
  var originIds = origins.map(function (_, i) { return i; });
  originTable.setIds(originIds);
  originTable.sortBy(1);
  originTable.sortBy(1);  /* most URLs first */

  applyFilters();
  document.body.dataset.ready = "true";
})();
