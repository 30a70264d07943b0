/* viosaudit HTML report: rows built from the JSON block with textContent only (data is never markup). */
"use strict";
(function () {
  var MAX_ROWS = 1000;
  var packed = JSON.parse(document.getElementById("viosaudit-data").textContent);
  var S = packed.strings;
  function unpack(v) {
    if (typeof v === "number") return S[v];
    if (Array.isArray(v)) return v.map(unpack);
    var out = {};
    for (var key in v) out[key] = unpack(v[key]);
    return out;
  }
  var evidence = {};  // reference -> its captured lines ([[reference, [line, ...]], ...] in the block)
  packed.evidence.forEach(function (pair) { evidence[S[pair[0]]] = unpack(pair[1]); });
  var data = { evidence: evidence, systems: unpack(packed.systems) };
  var findings = packed.findings.map(function (row) {
    var f = {};
    packed.fields.forEach(function (name, i) { f[name] = unpack(row[i]); });
    f.sr = Number(f.sr);
    return f;
  });
  var body = document.querySelector("#findings-table tbody");
  var sortKey = "sr";
  var sortDir = 1;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function cssClass(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function fillSelect(id, values) {
    var select = document.getElementById(id);
    values.forEach(function (value) {
      var option = el("option", value);
      option.value = value;
      select.appendChild(option);
    });
    select.addEventListener("change", render);
  }

  function distinct(key) {
    var seen = {};
    findings.forEach(function (f) { seen[f[key]] = f[key === "sv" ? "sr" : key]; });
    var values = Object.keys(seen);
    if (key === "sv") values.sort(function (a, b) { return seen[a] - seen[b]; });
    else values.sort();
    return values;
  }

  function matches(f, query, filters) {
    for (var key in filters) {
      if (filters[key] && f[key] !== filters[key]) return false;
    }
    if (!query) return true;
    var hay = [f.t, f.s, f.k, f.a, f.r, f.m, f.x, f.b].join(" ").toLowerCase();
    return query.split(/\s+/).every(function (word) { return hay.indexOf(word) >= 0; });
  }

  function detailRow(f) {
    var row = el("tr", null, "detail");
    var cell = el("td");
    cell.colSpan = 6;
    var list = el("dl");
    function add(label, value) {
      if (!value || (Array.isArray(value) && !value.length)) return;
      list.appendChild(el("dt", label));
      var dd = el("dd");
      if (Array.isArray(value)) dd.textContent = value.join("\n");
      else dd.textContent = value;
      list.appendChild(dd);
    }
    add("Key", f.k);
    add("Risk accepted", f.ac);
    add("Business impact", f.b);
    add("Likelihood", f.l);
    add("Technical detail", f.x);
    add("Remediation", f.rm);
    add("Partitions", f.p);
    add("Facts", f.f);
    add("References", f.rf);
    if (f.e.length) {
      list.appendChild(el("dt", "Evidence"));
      var dd = el("dd");
      f.e.forEach(function (ref) {
        dd.appendChild(el("div", ref, "evidence"));
        var lines = data.evidence[ref];
        if (lines && lines.length) dd.appendChild(el("pre", lines.join("\n"), "lines"));
      });
      list.appendChild(dd);
    }
    add("Evidence", f.n);
    cell.appendChild(list);
    row.appendChild(cell);
    return row;
  }

  function findingRow(f) {
    var row = el("tr", null, "row");
    var sev = el("td");
    sev.appendChild(el("span", f.sv, "badge " + cssClass(f.sv)));
    row.appendChild(sev);
    var st = el("td");
    st.appendChild(el("span", f.st, "badge " + cssClass(f.st)));
    row.appendChild(st);
    row.appendChild(el("td", f.m));
    row.appendChild(el("td", f.s));
    row.appendChild(el("td", f.t));
    row.appendChild(el("td", f.a ? f.r + " / " + f.a : f.r, "mono"));
    row.addEventListener("click", function () {
      var next = row.nextSibling;
      if (next && next.className === "detail") body.removeChild(next);
      else body.insertBefore(detailRow(f), next);
    });
    return row;
  }

  function render() {
    var query = document.getElementById("q").value.trim().toLowerCase();
    var filters = {
      sv: document.getElementById("f-sv").value,
      st: document.getElementById("f-st").value,
      m: document.getElementById("f-m").value,
      r: document.getElementById("f-r").value,
    };
    var rows = findings.filter(function (f) { return matches(f, query, filters); });
    rows.sort(function (a, b) {
      var x = a[sortKey], y = b[sortKey];
      if (x === y) return a.sr - b.sr || (a.k < b.k ? -1 : 1);
      return (x < y ? -1 : 1) * sortDir;
    });
    var fragment = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS).forEach(function (f) { fragment.appendChild(findingRow(f)); });
    body.textContent = "";
    body.appendChild(fragment);
    document.getElementById("shown").textContent = rows.length + " of " + findings.length + " findings";
    document.getElementById("capped").textContent = rows.length > MAX_ROWS
      ? "Showing the first " + MAX_ROWS + " of " + rows.length + ": narrow the filters or the search to see the rest."
      : "";
  }

  function systemView() {
    var pick = document.getElementById("sys-pick");
    var view = document.getElementById("sys-view");
    var system = data.systems[pick.selectedIndex];
    view.textContent = "";
    if (!system) return;
    view.appendChild(el("p", system.tm + ", serial " + system.sn + "; " + system.d + "; status " + system.st));
    view.appendChild(el("h3", "VIOS"));
    view.appendChild(table(["VIOS", "State", "Level", "Interim fixes", "Status", "Data", "Clients served"], system.v));
    view.appendChild(el("h3", "Client partitions and their paths"));
    view.appendChild(table(["Partition", "State", "Redundancy", "Service", "Paths"], system.c));
  }

  function table(headers, rows) {
    var t = el("table", null, "compact");
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h)); });
    var thead = el("thead");
    thead.appendChild(head);
    t.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (value) {
        tr.appendChild(el("td", value, "pre"));
      });
      tbody.appendChild(tr);
    });
    t.appendChild(tbody);
    return t;
  }

  fillSelect("f-sv", distinct("sv"));
  fillSelect("f-st", distinct("st"));
  fillSelect("f-m", distinct("m"));
  fillSelect("f-r", distinct("r"));
  document.getElementById("q").addEventListener("input", render);
  document.querySelectorAll("#findings-table th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      document.querySelectorAll("#findings-table th").forEach(function (h) { h.className = ""; });
      th.className = sortDir > 0 ? "asc" : "desc";
      render();
    });
  });
  var pick = document.getElementById("sys-pick");
  data.systems.forEach(function (s) { pick.appendChild(el("option", s.n + " (" + s.st + ")")); });
  pick.addEventListener("change", systemView);
  render();
  systemView();
})();
