/* Face Gallery: the "Finish my drawing" canvas (templates/gallery/finish.html).
 *
 * Pointer events cover mouse, touch and pen alike; the canvas has touch-action: none (CSS),
 * so drawing on a phone never scrolls the page. Strokes are kept in units of the canvas side
 * (so a resize or a turned phone keeps the drawing), simplified (Ramer-Douglas-Peucker, as
 * Quick, Draw! simplified its drawings) and sent as polylines in whole pixels: the canvas
 * spans data-box pixels, about the size of a drawn face.
 * The API answers 202 and the faces are then fetched as they land, as on /primed/<id>. */
(function () {
  "use strict";

  var EPSILON = 2.5; // simplification tolerance, canvas CSS pixels (as seen when sent)
  var MIN_STEP = 1.5; // pointer moves shorter than this add no point

  function simplify(points, epsilon) {
    // Ramer-Douglas-Peucker: keep the point farthest from the chord while it is off by more.
    if (points.length < 3) return points.slice();
    var keep = new Array(points.length).fill(false);
    keep[0] = keep[points.length - 1] = true;
    var stack = [[0, points.length - 1]];
    while (stack.length) {
      var span = stack.pop(), a = points[span[0]], b = points[span[1]];
      var dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy);
      var worst = -1, far = 0;
      for (var i = span[0] + 1; i < span[1]; i++) {
        var p = points[i];
        var d = len ? Math.abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / len
                    : Math.hypot(p[0] - a[0], p[1] - a[1]);
        if (d > far) { far = d; worst = i; }
      }
      if (worst >= 0 && far > epsilon) {
        keep[worst] = true;
        stack.push([span[0], worst], [worst, span[1]]);
      }
    }
    return points.filter(function (_, i) { return keep[i]; });
  }

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  function polylines(strokes, box, epsilon, maxPoints) {
    // Each stroke simplified until it has at most maxPoints points (a long scribble is
    // simplified harder), in whole pixels of the box; a drag past the edge stays on it.
    return strokes.map(function (stroke) {
      var tolerance = epsilon, points = simplify(stroke, tolerance);
      while (points.length > maxPoints) {
        tolerance *= 1.5;
        points = simplify(stroke, tolerance);
      }
      return points.map(function (p) {
        return [clamp(Math.round(p[0] * box), 0, box), clamp(Math.round(p[1] * box), 0, box)];
      });
    });
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setup(root) {
    var form = root.querySelector("[data-finish-form]");
    var canvas = root.querySelector("[data-canvas]");
    var ctx = canvas.getContext("2d");
    var undoButton = root.querySelector("[data-undo]");
    var clearButton = root.querySelector("[data-clear]");
    var submitButton = root.querySelector("[data-submit]");
    var status = root.querySelector("[data-status]");
    var empty = root.querySelector("[data-empty]");
    var results = root.querySelector("[data-results]");
    var box = Number(root.dataset.box);
    var strokePoints = Number(root.dataset.strokePoints);
    var maxStrokes = Number(root.dataset.maxStrokes);
    var strokes = [];
    var current = null; // the stroke being drawn, and its pointer
    var pointerId = null;
    var sending = false;

    function size() {
      var side = canvas.clientWidth, ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(side * ratio);
      canvas.height = Math.round(side * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      redraw();
    }

    function redraw() {
      var side = canvas.clientWidth;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = getComputedStyle(canvas).color;
      ctx.lineWidth = 3;
      ctx.lineCap = ctx.lineJoin = "round";
      strokes.concat(current ? [current] : []).forEach(function (stroke) {
        ctx.beginPath();
        ctx.moveTo(stroke[0][0] * side, stroke[0][1] * side);
        if (stroke.length === 1) ctx.lineTo(stroke[0][0] * side + 0.01, stroke[0][1] * side);
        stroke.forEach(function (p) { ctx.lineTo(p[0] * side, p[1] * side); });
        ctx.stroke();
      });
      var drawn = strokes.length > 0;
      empty.hidden = drawn || !!current;
      undoButton.disabled = clearButton.disabled = !drawn || sending;
      submitButton.disabled = !drawn || sending;
    }

    function say(text) { status.textContent = text; }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height];
    }

    function drawing() {
      return polylines(strokes, box, EPSILON / canvas.clientWidth, strokePoints);
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (sending || current || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      canvas.focus({ preventScroll: true });
      canvas.setPointerCapture(event.pointerId);
      pointerId = event.pointerId;
      current = [point(event)];
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current || event.pointerId !== pointerId) return;
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach(function (e) {
        var p = point(e), last = current[current.length - 1];
        var step = Math.hypot(p[0] - last[0], p[1] - last[1]) * canvas.clientWidth;
        if (step >= MIN_STEP) current.push(p);
      });
      redraw();
    });
    function end(event) {
      if (!current || event.pointerId !== pointerId) return;
      var stroke = current;
      current = null;
      pointerId = null;
      if (strokes.length >= maxStrokes) {
        say("That is as much as the network can take: press “Finish it”, or undo a stroke.");
      } else {
        strokes = strokes.concat([stroke]);
        say(strokes.length === 1 ? "1 stroke drawn." : strokes.length + " strokes drawn.");
      }
      redraw();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    function undo() {
      if (sending || !strokes.length) return;
      strokes.pop();
      say(strokes.length ? "Last stroke undone." : "Nothing drawn.");
      redraw();
    }
    function clear() {
      if (sending || !strokes.length) return;
      strokes = [];
      say("Drawing cleared.");
      redraw();
    }
    undoButton.addEventListener("click", undo);
    clearButton.addEventListener("click", clear);
    root.addEventListener("keydown", function (event) {
      var key = event.key.toLowerCase();
      if ((event.ctrlKey || event.metaKey) && key === "z" && !event.shiftKey) {
        event.preventDefault();
        undo();
      } else if (event.shiftKey && event.key === "Delete") {
        event.preventDefault();
        clear();
      } else if (event.key === "Enter" && event.target === canvas && strokes.length) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    function showResults(queued) {
      // The poller /primed/<id> starts with; each answer that brings faces replaces it (out
      // of band) with one that asks after those, and the last one stops.
      var poll = document.createElement("div");
      poll.id = "primed-poll";
      poll.hidden = true;
      poll.setAttribute("data-poll", "");
      poll.setAttribute("hx-get", queued.page_url + "/faces?shown=0");
      poll.setAttribute("hx-trigger", "load, every " + root.dataset.pollSeconds + "s");
      poll.setAttribute("hx-target", "#primed-faces");
      poll.setAttribute("hx-swap", "beforeend");
      document.getElementById("primed-poll").replaceWith(poll);
      document.getElementById("primed-faces").innerHTML = "";
      document.getElementById("primed-progress").textContent =
        "Drawing… 0 of " + queued.count + " done";
      results.querySelector("[data-page-link]").href = queued.page_url;
      results.hidden = false;
      window.htmx.process(poll);
      results.scrollIntoView({ behavior: "smooth", block: "start" });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending || !strokes.length) return;
      sending = true;
      redraw();
      say("Sending your drawing…");
      fetch(root.dataset.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify({ strokes: drawing() }),
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 202) {
            say("The network is finishing your drawing.");
            showResults(body);
          } else if (response.status === 429) {
            var wait = response.headers.get("Retry-After");
            say("Busy drawing right now: try again" + (wait ? " in " + wait + " s." : " soon."));
          } else {
            say(body.detail || "That did not work (" + response.status + "). Please try again.");
          }
        });
      }).catch(function () {
        say("You seem to be offline: nothing was sent.");
      }).finally(function () {
        sending = false;
        redraw();
      });
    });

    window.addEventListener("resize", size);
    size();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-finish]").forEach(setup);
  });
})();
