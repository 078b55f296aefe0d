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
    svg.classList.remove("play");
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

  document.addEventListener("DOMContentLoaded", function () { wireReplay(document); });
  document.addEventListener("htmx:load", function (event) { wireReplay(event.detail.elt); });
})();
