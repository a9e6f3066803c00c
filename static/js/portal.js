// Small enhancements on top of pages that work without JavaScript.
(function () {
  "use strict";

  // htmx requests carry the session's CSRF token from the meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });

  // Open menus close when the person clicks elsewhere or presses Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeMenus(null);
    }
  });

  // Copy buttons (e.g. the personal referral link): shown only where they can work.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = "Copied";
      });
    });
  });

  // Training videos report how far they got (every 10 %, and at the end); the server keeps the
  // furthest point and awards the points once at 90 %. The answer replaces the watch status.
  function watchProgress(video) {
    var url = video.getAttribute("data-progress-url");
    var reported = 0;
    var sending = false;
    var waiting = 0;
    // One report at a time, so the answers arrive in order; a newer one waits its turn.
    function send(percent) {
      sending = true;
      var done = function () {
        sending = false;
        if (waiting) {
          var next = waiting;
          waiting = 0;
          send(next);
        }
      };
      window.htmx.ajax("POST", url, {
        target: "#watch-status",
        swap: "outerHTML",
        values: { percent: String(percent) }
      }).then(done, done);
    }
    function report(percent) {
      if (percent <= reported || !window.htmx) {
        return;
      }
      reported = percent;
      if (sending) {
        waiting = percent;
      } else {
        send(percent);
      }
    }
    video.addEventListener("timeupdate", function () {
      if (isFinite(video.duration) && video.duration > 0) {
        report(Math.floor((video.currentTime / video.duration) * 10) * 10);
      }
    });
    video.addEventListener("ended", function () {
      report(100);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("video[data-progress-url]").forEach(watchProgress);
  });
  // A download leaves the person on the page: a moment later, the card (or the item's status)
  // is fetched again, so "+10 points" turns into the check mark without a reload.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-refresh]");
    if (!link || !window.htmx) {
      return;
    }
    window.setTimeout(function () {
      window.htmx.ajax("GET", link.getAttribute("data-refresh"), {
        target: link.getAttribute("data-refresh-target"),
        swap: "outerHTML"
      });
    }, 1500);
  });
})();
