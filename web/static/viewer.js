// The page viewer: zoom, copy the citation, print, and ← / → for the previous / next page.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var frame = document.getElementById("page-frame");
  var image = document.getElementById("page-image");
  var scroller = document.getElementById("page-scroll");
  var LEVELS = ["40%", "60%", "80%", "100%", "125%", "150%", "200%", "300%"];
  var level = 3;

  function setZoom(next) {
    level = Math.max(0, Math.min(LEVELS.length - 1, next));
    frame.className = "page-frame zoom-" + level;
    document.getElementById("zoom-level").textContent = LEVELS[level];
    // past the drawn width the default image would blur: the larger one instead
    if (frame.getBoundingClientRect().width * (window.devicePixelRatio || 1) > image.naturalWidth * 1.1
        && image.dataset.srcLarge) {
      image.src = image.dataset.srcLarge;
      delete image.dataset.srcLarge;
    }
  }
  document.getElementById("zoom-in").addEventListener("click", function () { setZoom(level + 1); });
  document.getElementById("zoom-out").addEventListener("click", function () { setZoom(level - 1); });

  var status = document.getElementById("copy-status");
  function copied(ok) {
    status.textContent = ok ? "Đã sao chép" : "Không sao chép được: hãy chọn và sao chép bằng tay";
    window.setTimeout(function () { status.textContent = ""; }, 4000);
  }
  function copyByTextarea(text) {
    // without navigator.clipboard (plain http on another address): a hidden textarea and execCommand
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.getElementById("copy-citation").addEventListener("click", function () {
    var text = document.getElementById("citation").textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(true); },
        function () { copied(copyByTextarea(text)); });
    } else {
      copied(copyByTextarea(text));
    }
  });

  document.getElementById("print-page").addEventListener("click", function () { window.print(); });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    var link = null;
    if (event.key === "ArrowLeft") link = document.getElementById("prev-page");
    else if (event.key === "ArrowRight") link = document.getElementById("next-page");
    else if (event.key === "+" || event.key === "=") { setZoom(level + 1); event.preventDefault(); return; }
    else if (event.key === "-") { setZoom(level - 1); event.preventDefault(); return; }
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });

  // bring the first outlined word into view
  var first = document.querySelector("rect.hit-box");
  function showFirst() {
    if (!first) return;
    var box = first.getBoundingClientRect(), pane = scroller.getBoundingClientRect();
    scroller.scrollTop += box.top - pane.top - pane.height / 3;
  }
  if (image.complete) showFirst(); else image.addEventListener("load", showFirst, { once: true });
})();
