/* Signature pad: a hand-written <canvas> for a customer's signature on a phone (REP-6).
   No library. Pointer events draw; each finished stroke writes canvas.toDataURL("image/png")
   into the hidden input named by data-input. A button with data-clear="<canvas id>" wipes it.
   The form is not sent while a required pad is empty; a pad marked data-optional (the
   return-visit form: no signature for a phone visit, or a scanned sheet instead) never stops it. */
(function () {
  "use strict";

  function setup(canvas) {
    var input = document.getElementById(canvas.dataset.input);
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    var inked = false;

    function pen() {
      ctx.lineWidth = 2.6;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
    }

    // Size the bitmap to the drawing area (the content box, inside the border), sharp on
    // high-density screens, keeping any ink.
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      var height = Math.max(1, Math.round(canvas.clientHeight * ratio));
      if (canvas.width === width && canvas.height === height) return;
      // Keep the last saved drawing, not the bitmap: a second resize while an earlier
      // restore is still loading would otherwise copy a blank canvas over the signature.
      var keep = inked ? input.value : null;
      canvas.width = width;
      canvas.height = height;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      pen();
      if (keep) restore(keep);
    }

    function restore(dataUrl) {
      var image = new Image();
      image.onload = function () {
        ctx.drawImage(image, 0, 0, canvas.clientWidth, canvas.clientHeight);
        inked = true;
        save();
      };
      image.src = dataUrl;
    }

    // The pointer in drawing-area coordinates (the bounding box includes the border).
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left - canvas.clientLeft, y: event.clientY - rect.top - canvas.clientTop };
    }

    // Ink counts only where it lands on the pad (a stroke dragged off the edge does not).
    function inside(p) {
      return p.x >= 0 && p.y >= 0 && p.x <= canvas.clientWidth && p.y <= canvas.clientHeight;
    }

    function save() {
      input.value = inked ? canvas.toDataURL("image/png") : "";
      canvas.classList.toggle("signed", inked);
      var form = canvas.closest("form");
      var hint = form && form.querySelector(".sigpad-empty");
      if (hint && inked) hint.hidden = true;
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      if (inside(last)) inked = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      if (inside(p)) inked = true;
      last = p;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    document.querySelectorAll('[data-clear="' + canvas.id + '"]').forEach(function (button) {
      button.addEventListener("click", function () {
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        ctx.restore();
        inked = false;
        save();
      });
    });

    var form = canvas.closest("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (!inked && !canvas.hasAttribute("data-optional")) {
          event.preventDefault();
          var hint = form.querySelector(".sigpad-empty");
          if (hint) hint.hidden = false;
          canvas.scrollIntoView({ block: "center" });
        }
      });
    }

    pen();
    fit();
    window.addEventListener("resize", fit);
    if (input.value) restore(input.value); // the page came back with an error: keep the signature
  }

  document.querySelectorAll("canvas.sigpad").forEach(setup);
})();
