"use strict";
// The viewer's only script (served from the viewer itself; the CSP allows nothing else).
// Live parts: an element with data-live is re-fetched (the same URL with part=1) and its
// content replaced, every second while the run is being written (always, for the runs list).
(function () {
  function liveUrl() {
    var search = window.location.search;
    return window.location.pathname + search + (search ? "&" : "?") + "part=1";
  }
  function follow(element) {
    var always = element.hasAttribute("data-always");
    var last = null;
    function tick() {
      fetch(liveUrl(), { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          var live = response.headers.get("X-Run-Live") === "1";
          return response.text().then(function (text) {
            if (response.ok && text !== last) {
              last = text;
              element.innerHTML = text;
            }
            if (live || always) {
              window.setTimeout(tick, 1000);
            }
          });
        })
        .catch(function () {
          window.setTimeout(tick, 3000);
        });
    }
    window.setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(follow);
    document.querySelectorAll("form.filters select").forEach(function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof HTMLImageElement && target.classList.contains("zoom")) {
      target.classList.toggle("zoomed");
    }
  });
})();
