// Conditions of routing and priority rules (INT-6, INT-7): one row per condition, kept in step
// with the JSON underneath (tickets/rule_forms.py says which one the server reads).
(function () {
  "use strict";

  var LIST_OPS = ["in", "not_in"];
  var NO_VALUE_OPS = ["exists", "missing"];

  function selectedValues(cell) {
    var control = cell.querySelector("[name$='-value']");
    if (!control) { return []; }
    if (control.tagName === "SELECT") {
      return Array.prototype.filter.call(control.options, function (o) { return o.selected && o.value !== ""; })
        .map(function (o) { return o.value; });
    }
    return control.value.trim() === "" ? [] : [control.value];
  }

  function splitList(text) {
    return text.split(/[,，、\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function typed(text, fact, op) {
    var kind = fact ? fact.kind : "text";
    var number = Number(text);
    if ((kind === "number" || (["lt", "lte", "gt", "gte"].indexOf(op) >= 0 && kind === "text" && !(fact && fact.values.length)))
        && text.trim() !== "" && isFinite(number)) {
      return number;
    }
    if (kind === "boolean" && (text === "true" || text === "false")) { return text === "true"; }
    return text;
  }

  function init(widget) {
    var name = widget.dataset.name;
    var catalogue = JSON.parse(document.getElementById(widget.dataset.catalogue).textContent);
    var body = widget.querySelector(".conditions-rows");
    var template = widget.querySelector("template.condition-template");
    var raw = widget.querySelector("textarea.conditions-json");
    var initial = widget.querySelector("input.conditions-initial");
    var next = body.querySelectorAll("tr.condition-row").length;
    // The empty last row is for pages without this script, which has the add button instead.
    body.querySelectorAll("tr.condition-row").forEach(function (row) {
      if (!row.querySelector(".condition-field").value) { row.remove(); }
    });

    function buildValue(row, values) {
      var prefix = row.querySelector(".condition-field").name.replace(/-field$/, "");
      var fact = catalogue[row.querySelector(".condition-field").value];
      var op = row.querySelector(".condition-op").value;
      var cell = row.querySelector(".condition-value");
      cell.textContent = "";
      if (NO_VALUE_OPS.indexOf(op) >= 0) { return; }
      var multiple = LIST_OPS.indexOf(op) >= 0;
      var control;
      if (fact && fact.values.length && fact.closed) {
        control = document.createElement("select");
        if (multiple) { control.multiple = true; control.size = 4; } else { control.add(new Option("---------", "")); }
        fact.values.forEach(function (pair) {
          control.add(new Option(pair[1], pair[0], false, values.indexOf(pair[0]) >= 0));
        });
      } else {
        control = document.createElement("input");
        control.type = "text";
        control.value = multiple ? values.join(", ") : (values[0] || "");
        if (fact && fact.values.length) {
          var list = document.createElement("datalist");
          list.id = prefix + "-suggestions";
          fact.values.forEach(function (pair) { list.appendChild(new Option(pair[1], pair[0])); });
          cell.appendChild(list);
          control.setAttribute("list", list.id);
        }
      }
      control.name = prefix + "-value";
      control.setAttribute("aria-label", widget.querySelector("thead th:nth-child(3)").textContent);
      cell.insertBefore(control, cell.firstChild);
    }

    function conditions() {
      var result = [];
      body.querySelectorAll("tr.condition-row").forEach(function (row) {
        var field = row.querySelector(".condition-field").value;
        if (!field) { return; }
        var op = row.querySelector(".condition-op").value;
        var fact = catalogue[field];
        var condition = {field: field, op: op};
        var values = selectedValues(row.querySelector(".condition-value"));
        if (LIST_OPS.indexOf(op) >= 0) {
          if (values.length === 1 && !(fact && fact.values.length && fact.closed)) { values = splitList(values[0]); }
          condition.value = values.map(function (v) { return typed(v, fact, op); });
        } else if (NO_VALUE_OPS.indexOf(op) < 0 && values.length) {
          condition.value = typed(values[0], fact, op);
        }
        result.push(condition);
      });
      return result;
    }

    function sync() {
      var list = conditions();
      var text = list.length ? "[\n" + list.map(function (c) { return "  " + JSON.stringify(c); }).join(",\n") + "\n]" : "[]";
      raw.value = text;
      initial.value = text;  // the rows are what the server reads
    }

    function addRow(condition) {
      var holder = document.createElement("tbody");
      holder.innerHTML = template.innerHTML.replace(/__index__/g, String(next++));
      var row = holder.querySelector("tr");
      body.appendChild(row);
      if (condition) {
        var field = row.querySelector(".condition-field");
        if (condition.field && !Array.prototype.some.call(field.options, function (o) { return o.value === condition.field; })) {
          field.add(new Option(condition.field.replace(/^attributes\./, ""), condition.field));
        }
        field.value = condition.field || "";
        row.querySelector(".condition-op").value = condition.op || "eq";
        var value = condition.value;
        var values = value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]);
        buildValue(row, values.map(String));
      }
      return row;
    }

    body.addEventListener("change", function (event) {
      var row = event.target.closest("tr.condition-row");
      if (event.target.matches(".condition-field, .condition-op")) {
        buildValue(row, selectedValues(row.querySelector(".condition-value")));
      }
      sync();
    });
    body.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text]")) { sync(); }
    });
    body.addEventListener("click", function (event) {
      if (event.target.matches(".condition-remove")) {
        event.target.closest("tr.condition-row").remove();
        sync();
      }
    });
    widget.querySelector(".conditions-add").addEventListener("click", function () {
      addRow(null).querySelector(".condition-field").focus();
    });
    raw.addEventListener("change", function () {
      var parsed;
      try { parsed = JSON.parse(raw.value); } catch (error) { return; }  // the server names the problem
      if (!Array.isArray(parsed)) { return; }
      body.textContent = "";
      parsed.forEach(function (condition) { if (condition && typeof condition === "object") { addRow(condition); } });
      // The hidden copy is left as it was: the JSON, as typed, is what the server reads.
    });
    if (name) { widget.dataset.ready = "1"; }
  }

  function start() { document.querySelectorAll(".conditions-widget").forEach(init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
