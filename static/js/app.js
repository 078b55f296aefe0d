/* Face Gallery: progressive enhancement on top of htmx (static/js/htmx.min.js).
 * Everything here is optional: without JavaScript every form still posts and redirects. */
(function () {
  "use strict";

  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var item = document.createElement("div");
    item.className = "toast" + (kind ? " " + kind : "");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 5200);
  }

  // Refusals (rate limit, hidden face, expired form) come back as short text: show it.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 429) {
      var elt = event.detail.elt;
      cooldown(retryAfterSeconds(xhr), !!(elt.closest && elt.closest(".vote-form")));
      return;
    }
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = type.indexOf("text/plain") === 0 ? xhr.responseText : "";
    if (xhr.status === 403 && !text) text = "This page has expired: reload it and try again.";
    toast(text || "Something went wrong (" + xhr.status + "). Please try again.", "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("You seem to be offline: nothing was sent.", "error");
  });

  // Replay the live drawing: restart the CSS animation of its paths.
  function replay(svg) {
    svg.classList.remove("play", "whole");
    void svg.getBoundingClientRect(); // force a style flush so the animation restarts
    svg.classList.add("play");
  }
  function wireReplay(root) {
    root.querySelectorAll("[data-replay]:not([data-wired])").forEach(function (button) {
      button.setAttribute("data-wired", "");
      button.hidden = false;
      button.addEventListener("click", function () {
        var svg = button.closest(".stage").querySelector("svg.drawing");
        if (svg) replay(svg);
      });
    });
  }

  // Vote mode: keys and swipes press the card's buttons (so htmx does the request).
  function cardButton(predicate) {
    var card = document.getElementById("vote-card");
    if (!card) return null;
    var buttons = card.querySelectorAll("button[data-key], button[data-swipe]");
    for (var i = 0; i < buttons.length; i++) {
      if (predicate(buttons[i]) && !buttons[i].disabled) return buttons[i];
    }
    return null;
  }
  function press(button) {
    if (!button) return;
    if (coolingDown() && button.value !== "skip") { pulseCooldown(); return; }
    var stage = document.querySelector(".vote-stage");
    var swipe = button.getAttribute("data-swipe");
    if (stage && swipe) stage.classList.add("swipe-" + swipe);
    button.click();
  }
  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-vote-mode]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (document.querySelector("#card .htmx-request")) { event.preventDefault(); return; }
    var button = cardButton(function (b) {
      return (b.getAttribute("data-key") || "").split(" ").indexOf(event.key) >= 0;
    });
    if (button) {
      event.preventDefault();
      refocus = button.value; // keep the keyboard on the vote buttons of the next card
      press(button);
    }
  });

  var touchStart = null;
  document.addEventListener("touchstart", function (event) {
    if (!event.target.closest(".vote-stage") || event.touches.length !== 1) return;
    touchStart = { x: event.touches[0].clientX, y: event.touches[0].clientY };
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (!touchStart) return;
    var touch = event.changedTouches[0];
    var dx = touch.clientX - touchStart.x, dy = touch.clientY - touchStart.y;
    touchStart = null;
    if (Math.abs(dx) < 60 || Math.abs(dx) < 1.5 * Math.abs(dy)) return; // a scroll, not a swipe
    press(cardButton(function (b) { return b.getAttribute("data-swipe") === (dx < 0 ? "left" : "right"); }));
  }, { passive: true });

  // --- Watching a face draw: a tap or click on the drawing, or Space, shows it whole ---------
  // The pen speed (gallery/pictures.py) draws a face in about 1.5 s; some want it at once.
  // Drawings inside a link (the live page's strip) stay links.
  function stillDrawing(svg) {
    if (!svg.classList.contains("play") || svg.classList.contains("whole")) return false;
    if (!svg.getAnimations) return true;
    return svg.getAnimations({ subtree: true }).some(function (a) { return a.playState === "running"; });
  }
  function showWhole(svg) { svg.classList.add("whole"); }
  document.addEventListener("click", function (event) {
    var svg = event.target.closest && event.target.closest("svg.drawing");
    if (svg && !svg.closest("a")) showWhole(svg);
  });
  function onVoteButton(target) {
    return !!(target.closest && target.closest("#vote-card .vote-form button"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target, onPage = target === document.body || target === document.documentElement;
    if (!onPage && !onVoteButton(target)) return; // Space keeps its meaning in links, forms, summaries
    var svg = document.querySelector(".stage svg.drawing, .vote-stage svg.drawing");
    // In vote mode Space never votes, not even on a focused vote button: it finishes the drawing.
    if (onVoteButton(target) || (svg && stillDrawing(svg))) event.preventDefault();
    if (svg) showWhole(svg);
  });
  document.addEventListener("keyup", function (event) {
    if (event.key === " " && onVoteButton(event.target)) event.preventDefault(); // no click on keyup
  });

  // --- Vote mode: focus stays on the vote buttons, a refused vote leaves the card upright ------
  var refocus = null; // the action whose button gets the focus in the next card
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "card") return;
    var active = document.activeElement;
    if (active && active.closest && active.closest("#card") && active.value) refocus = active.value;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "card" || !refocus) return;
    var action = refocus, buttons = event.detail.target.querySelectorAll(".vote-form button");
    refocus = null;
    var chosen = null;
    buttons.forEach(function (b) { if (!chosen && !b.disabled && b.value === action) chosen = b; });
    buttons.forEach(function (b) { if (!chosen && !b.disabled) chosen = b; }); // e.g. undo is gone
    if (chosen) chosen.focus({ preventScroll: true });
  });
  function untilt() {
    document.querySelectorAll(".vote-stage.swipe-left, .vote-stage.swipe-right").forEach(function (s) {
      s.classList.remove("swipe-left", "swipe-right");
    });
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) { untilt(); refocus = null; }
  });

  // --- Too fast (429): a countdown from Retry-After --------------------------------------------
  // In vote mode it sits over the top of the card (#cooldown), clear of the shortcut legend;
  // elsewhere it is a toast. Screen readers hear it once (a status line), not every second.
  // Vote mode's votes wait until a vote's countdown ends (skips are not limited: they go on).
  var votesResume = 0, countdownTimer = null, countdownToast = null;
  function retryAfterSeconds(xhr) {
    var header = xhr.getResponseHeader("Retry-After") || "";
    var seconds = /^\d+$/.test(header) ? parseInt(header, 10) : (Date.parse(header) - Date.now()) / 1000;
    return isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 10;
  }
  function coolingDown() { return Date.now() < votesResume; }
  function pulseCooldown() {
    var box = document.getElementById("cooldown");
    if (!box) return;
    box.classList.remove("pulse");
    void box.offsetWidth; // restart the animation
    box.classList.add("pulse");
  }
  function countdownParts() {
    var box = document.getElementById("cooldown");
    if (box) return { box: box, shown: box, said: document.getElementById("cooldown-status") };
    var toasts = document.getElementById("toasts");
    if (!toasts) return null;
    if (!countdownToast || !countdownToast.box.isConnected) {
      var item = document.createElement("div"), said = document.createElement("span");
      var shown = document.createElement("span");
      item.className = "toast error countdown";
      said.className = "sr-only";
      shown.setAttribute("aria-hidden", "true");
      item.append(said, shown);
      toasts.appendChild(item);
      countdownToast = { box: item, shown: shown, said: said };
    }
    return countdownToast;
  }
  function cooldown(seconds, fromVoteMode) {
    var parts = countdownParts();
    if (!parts) return;
    var ends = Date.now() + seconds * 1000;
    if (fromVoteMode) votesResume = ends;
    parts.box.hidden = false;
    if (parts.said) parts.said.textContent = "That was fast: please try again in " + seconds + " seconds.";
    clearInterval(countdownTimer);
    function tick() {
      var left = Math.ceil((ends - Date.now()) / 1000);
      if (left > 0) {
        parts.shown.textContent = "Whoa, that was fast! Try again in " + left + " s.";
        return;
      }
      clearInterval(countdownTimer);
      if (parts.box.id !== "cooldown") { parts.box.remove(); return; }
      parts.box.hidden = true;
      if (parts.said) parts.said.textContent = "You can vote again.";
    }
    tick();
    countdownTimer = setInterval(tick, 250);
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt, config = event.detail.requestConfig || {};
    var submitter = config.triggeringEvent && config.triggeringEvent.submitter;
    if (!coolingDown() || !elt.closest || !elt.closest(".vote-form")) return;
    if (submitter && submitter.value === "skip") return;
    event.preventDefault();
    pulseCooldown();
  });

  document.addEventListener("DOMContentLoaded", function () { wireReplay(document); });
  document.addEventListener("htmx:load", function (event) { wireReplay(event.detail.elt); });
})();
