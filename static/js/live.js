/* Face Gallery: the live page's player, and polls that rest while nobody looks.
 *
 * htmx does the asking (hx-trigger="every Ns" on [data-poll] elements; the server side is
 * facegallery/pages/live.py). New faces land, hidden, in #live-incoming; the player takes
 * them into a short queue and draws them on the stage one after another, each moving to
 * the strip of recent faces when the next one starts. When faces wait, the one drawing is
 * sped up, so a new face starts within a second or two of its arrival. */
(function () {
  "use strict";

  var FAST = 3; // playback rate of a drawing while others wait
  var HOLD_MS = 700; // a finished face stays alone on the stage at least this long
  var QUEUE_MAX = 3; // faces waiting to be drawn; older ones go straight to the strip

  var paused = false;

  // A poll skips its turn while the tab is hidden, and the live poll while paused.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
    if (document.hidden || (paused && elt.id === "live-poll")) event.preventDefault();
  });

  var live, stage, strip, stripSize;
  var queue = [];
  var seen = {};
  var state = "idle"; // "drawing", "holding" or "idle"
  var turn = 0; // increases with every face drawn: callbacks of an earlier turn do nothing

  function animationsOf(item) {
    var svg = item.querySelector("svg.drawing");
    return svg && svg.getAnimations ? svg.getAnimations({ subtree: true }) : [];
  }

  function toStrip(item) {
    strip.insertBefore(item, strip.firstChild);
    while (strip.children.length > stripSize) strip.removeChild(strip.lastElementChild);
  }

  function stageList() {
    var list = stage.querySelector(".live-now");
    if (!list) {
      stage.innerHTML = "";
      list = document.createElement("ol");
      list.className = "live-now";
      stage.appendChild(list);
    }
    return list;
  }

  function speedUp() {
    var current = stage.querySelector(".live-now > li");
    if (current) animationsOf(current).forEach(function (a) { a.playbackRate = FAST; });
  }

  function watch(item) {
    var mine = ++turn;
    state = "drawing";
    void item.getBoundingClientRect(); // style flush: its CSS animations exist from here
    var animations = animationsOf(item);
    if (queue.length) animations.forEach(function (a) { a.playbackRate = FAST; });
    var done = function () {
      if (mine !== turn) return;
      state = "holding";
      setTimeout(function () { if (mine === turn) next(); }, HOLD_MS);
    };
    // Reduced motion: no animations, so the face is done at once (and held).
    Promise.all(animations.map(function (a) { return a.finished; })).then(done, done);
  }

  function next() {
    if (paused || !queue.length) {
      state = "idle";
      return;
    }
    var list = stageList();
    var previous = list.firstElementChild;
    if (previous) toStrip(previous);
    var item = queue.shift();
    list.appendChild(item); // inserted afresh, so its drawing starts from the first stroke
    watch(item);
  }

  function takeIncoming(incoming) {
    Array.prototype.slice.call(incoming.children).forEach(function (item) {
      incoming.removeChild(item);
      var id = item.getAttribute("data-face");
      if (!id || seen[id]) return;
      seen[id] = true;
      queue.push(item);
      if (queue.length > QUEUE_MAX) toStrip(queue.shift());
    });
    if (!queue.length) return;
    if (state === "idle") next();
    else if (state === "drawing") speedUp();
  }

  function setPaused(value) {
    paused = value;
    live.classList.toggle("paused", paused);
    var button = live.querySelector("[data-live-pause]");
    if (button) button.setAttribute("aria-pressed", paused ? "true" : "false");
    if (!paused && state === "idle") next();
  }

  function start() {
    live = document.querySelector("[data-live]");
    if (!live) return;
    stage = document.getElementById("live-stage");
    strip = document.getElementById("live-strip");
    stripSize = parseInt(live.getAttribute("data-strip-size"), 10) || 12;
    live.querySelectorAll("[data-face]").forEach(function (item) {
      seen[item.getAttribute("data-face")] = true;
    });
    var button = live.querySelector("[data-live-pause]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { setPaused(!paused); });
    }
    var current = stage.querySelector(".live-now > li");
    if (current) watch(current);
    document.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail.target;
      if (target && target.id === "live-incoming") takeIncoming(target);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
