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

  // Focus goes where the person needs to look next: after a refused submit, to the first field
  // in error (or the form's own message); after an htmx update that they asked for (a submit or
  // a click, not polling, live search or a heartbeat), to the content that replaced what they
  // acted on.
  function focusFirstError(root) {
    var target = root.querySelector('[aria-invalid="true"], .form-error[role="alert"]');
    if (!target) {
      return false;
    }
    // A group of choices in error (a question's options) is entered through its first choice.
    focusOn(target.querySelector("input, select, textarea") || target);
    return true;
  }
  function focusOn(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    // A page that names its own field (sign-in refocuses the password) knows best.
    if (main && !main.querySelector("[autofocus]")) {
      focusFirstError(main);
    }
  });
  var focusedAfter = new WeakSet(); // htmx fires afterSwap on each new element of one answer
  document.addEventListener("htmx:afterSwap", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (!trigger || (trigger.type !== "submit" && trigger.type !== "click")) {
      return;
    }
    if (focusedAfter.has(event.detail.xhr)) {
      return;
    }
    focusedAfter.add(event.detail.xhr);
    // An outerHTML swap leaves the old target detached: the event's element is its replacement.
    var swapped = event.detail.target.isConnected ? event.detail.target : event.target;
    if (swapped instanceof Element && !focusFirstError(swapped)) {
      focusOn(swapped);
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

  // Training videos send heartbeats: when they start playing, every 10 s while they play, and
  // when they pause, seek or end, each with the stretch played since the last one. The server
  // credits only what the time between heartbeats allows, and awards the points once 90 % of
  // the video has been seen. The answer replaces the watch status.
  function watchProgress(video) {
    var url = video.getAttribute("data-progress-url");
    var from = null; // where the stretch being played began; null while not playing
    var last = 0; // the last position reached by playing (not by seeking)
    var timer = 0;
    var queue = [];
    var sending = false;
    // One heartbeat at a time, in order, so the server sees them as they happened.
    function next() {
      if (sending || !queue.length) {
        return;
      }
      sending = true;
      var done = function () {
        sending = false;
        next();
      };
      window.htmx.ajax("POST", url, {
        target: "#watch-status",
        swap: "outerHTML",
        values: queue.shift()
      }).then(done, done);
    }
    function beat(end) {
      if (!window.htmx) {
        return;
      }
      queue.push({
        start: String(from === null ? end : from),
        end: String(end),
        duration: isFinite(video.duration) ? String(video.duration) : ""
      });
      next();
    }
    video.addEventListener("timeupdate", function () {
      if (!video.seeking) {
        last = video.currentTime;
      }
    });
    video.addEventListener("playing", function () {
      from = last = video.currentTime;
      beat(from);
      window.clearInterval(timer);
      timer = window.setInterval(function () {
        beat(last);
        from = last;
      }, 10000);
    });
    video.addEventListener("seeking", function () {
      if (from !== null) {
        beat(last);
        from = video.paused ? null : video.currentTime;
        last = video.currentTime;
      }
    });
    video.addEventListener("pause", function () {
      window.clearInterval(timer);
      if (from !== null) {
        beat(video.currentTime);
        from = null;
      }
    });
    video.addEventListener("ended", function () {
      beat(video.currentTime); // by now the player knows the duration
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("video[data-progress-url]").forEach(watchProgress);
  });
  // Pipeline board: a card dropped on another column posts the same move its Move menu sends
  // (the server decides as for a click: a won referral moving back asks for a reason, a closed
  // stage without a reason opens the menu with the error).
  function stageUnder(node) {
    return node && node.closest ? node.closest("[data-stage]") : null;
  }
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".pipeline-card[data-move-url]") : null;
    if (card) {
      event.dataTransfer.setData("text/plain", card.id);
      event.dataTransfer.effectAllowed = "move";
    }
  });
  document.addEventListener("dragover", function (event) {
    if (stageUnder(event.target)) {
      event.preventDefault();
    }
  });
  document.addEventListener("drop", function (event) {
    var column = stageUnder(event.target);
    var card = column && document.getElementById(event.dataTransfer.getData("text/plain"));
    if (!card || !window.htmx || column.contains(card)) {
      return;
    }
    event.preventDefault();
    window.htmx.ajax("POST", card.getAttribute("data-move-url"), {
      target: "#" + card.id,
      swap: "outerHTML",
      values: {
        stage: column.getAttribute("data-stage"),
        reason: "",
        next: card.getAttribute("data-next")
      }
    });
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

  // A time zone picker asking "which is yours?" starts on the browser's own zone (without
  // JavaScript the person picks it from the list, which starts on the program's).
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (zone && known) {
      select.value = zone;
    }
  });
})();
