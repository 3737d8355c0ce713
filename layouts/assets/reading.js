/* Reading settings (适老化): text size, high contrast, wider line spacing.
   Runs in <head> so a stored choice applies before the first paint; the control is
   revealed only when this script runs, so without JavaScript nothing is broken and
   the stylesheet still honours prefers-contrast and prefers-reduced-motion. */
(function () {
  "use strict";

  var KEY = "gongkai-reading";
  var SIZES = ["1", "2", "3", "4"];
  var root = document.documentElement;

  function defaults() {
    return { size: "1", contrast: "", spacing: "" };
  }

  function load() {
    var settings = defaults();
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      if (SIZES.indexOf(stored.size) >= 0) { settings.size = stored.size; }
      if (stored.contrast === "high" || stored.contrast === "normal") { settings.contrast = stored.contrast; }
      if (stored.spacing === "wide") { settings.spacing = "wide"; }
    } catch (e) { /* storage may be disabled: keep defaults */ }
    return settings;
  }

  function save(settings) {
    try { window.localStorage.setItem(KEY, JSON.stringify(settings)); } catch (e) { /* not persisted */ }
  }

  function setAttr(name, value) {
    if (value) { root.setAttribute(name, value); } else { root.removeAttribute(name); }
  }

  function apply(settings) {
    setAttr("data-text-size", settings.size === "1" ? "" : settings.size);
    setAttr("data-contrast", settings.contrast);
    setAttr("data-spacing", settings.spacing);
  }

  // With no explicit choice, high contrast follows the system setting.
  function highContrast(settings) {
    if (settings.contrast) { return settings.contrast === "high"; }
    return !!(window.matchMedia && window.matchMedia("(prefers-contrast: more)").matches);
  }

  var settings = load();
  apply(settings);

  function wire() {
    var box = document.querySelector("[data-reading]");
    if (!box) { return; }
    var toggle = box.querySelector("[data-reading-toggle]");
    var panel = document.getElementById(toggle.getAttribute("aria-controls"));

    function sync() {
      box.querySelectorAll("[data-size]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-size") === settings.size));
      });
      box.querySelector("[data-contrast-toggle]").setAttribute("aria-pressed", String(highContrast(settings)));
      box.querySelector("[data-spacing-toggle]").setAttribute("aria-pressed", String(settings.spacing === "wide"));
    }

    function change(update) {
      update();
      save(settings);
      apply(settings);
      sync();
    }

    function open(show) {
      panel.hidden = !show;
      toggle.setAttribute("aria-expanded", String(show));
    }

    toggle.addEventListener("click", function () { open(panel.hidden); });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) { open(false); toggle.focus(); }
    });
    box.querySelectorAll("[data-size]").forEach(function (button) {
      button.addEventListener("click", function () {
        change(function () { settings.size = button.getAttribute("data-size"); });
      });
    });
    box.querySelector("[data-contrast-toggle]").addEventListener("click", function () {
      change(function () { settings.contrast = highContrast(settings) ? "normal" : "high"; });
    });
    box.querySelector("[data-spacing-toggle]").addEventListener("click", function () {
      change(function () { settings.spacing = settings.spacing === "wide" ? "" : "wide"; });
    });
    box.querySelector("[data-reading-reset]").addEventListener("click", function () {
      change(function () { settings = defaults(); });
    });

    sync();
    box.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
}());
