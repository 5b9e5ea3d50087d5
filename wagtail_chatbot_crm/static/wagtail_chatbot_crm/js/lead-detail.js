/*
 * A lead's page follows a try that is due or under way (after Retry now,
 * or a lead just in): it reads the page again every second and a half and
 * swaps in the parts marked data-lead-live, until the page no longer says
 * it is watching (the try ended) or two minutes have passed.
 */
(function () {
  "use strict";

  const EVERY = 1500;
  const GIVE_UP = 120000;

  function watch(page) {
    const started = Date.now();

    async function refresh() {
      let fresh;
      try {
        const response = await fetch(window.location.href, {
          credentials: "same-origin",
          headers: { "X-Requested-With": "XMLHttpRequest" },
        });
        if (!response.ok) {
          return;
        }
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        fresh = doc.querySelector("[data-lead-page]");
      } catch (error) {
        fresh = null; // a network hiccup: try again at the next tick
      }
      if (fresh) {
        fresh.querySelectorAll("[data-lead-live]").forEach(function (part) {
          const current = part.id && document.getElementById(part.id);
          if (current && current.innerHTML !== part.innerHTML) {
            current.innerHTML = part.innerHTML;
          }
        });
        if (!fresh.hasAttribute("data-lead-watch")) {
          page.removeAttribute("data-lead-watch");
          return;
        }
      }
      if (Date.now() - started < GIVE_UP) {
        window.setTimeout(refresh, EVERY);
      }
    }

    window.setTimeout(refresh, EVERY);
  }

  function init() {
    const page = document.querySelector("[data-lead-page][data-lead-watch]");
    if (page && window.fetch && window.DOMParser) {
      watch(page);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
