/* wagtail-chatbot-crm visitor widget: plain JavaScript, no dependencies.
   Without it the form still posts normally (and the server redirects back). */
(function () {
  "use strict";

  var FOCUSABLE =
    'a[href], button:not([disabled]):not([hidden]), input:not([type="hidden"]):not([tabindex="-1"]), textarea, select, [tabindex]:not([tabindex="-1"])';

  // Where the visit came from, as first seen in it: the landing page, an
  // outside referrer and the UTM parameters, kept for the tab's session and
  // sent with the lead.
  var VISIT_KEY = "wcc-visit";
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

  function visit() {
    var seen = null;
    try {
      seen = JSON.parse(window.sessionStorage.getItem(VISIT_KEY));
    } catch (e) {
      // Storage blocked: this page is the visit, as far as we can tell.
    }
    if (seen && typeof seen === "object") return seen;
    seen = { landing_page: window.location.href };
    var referrer = document.referrer;
    if (referrer && referrer.split("/")[2] !== window.location.host) seen.referrer = referrer;
    var params = new URLSearchParams(window.location.search);
    UTM.forEach(function (name) {
      if (params.get(name)) seen[name] = params.get(name);
    });
    try {
      window.sessionStorage.setItem(VISIT_KEY, JSON.stringify(seen));
    } catch (e) {
      // Not kept; the lead still carries this page's view of the visit.
    }
    return seen;
  }

  var VISIT = visit();

  function init(root) {
    if (root.hasAttribute("data-wcc-ready")) return;
    root.setAttribute("data-wcc-ready", "");
    root.classList.add("wcc--js");

    var bubble = root.querySelector("[data-wcc-open]");
    var dialog = root.querySelector("[data-wcc-dialog]");
    var close = root.querySelector("[data-wcc-close]");
    var form = root.querySelector("[data-wcc-form]");
    var status = root.querySelector("[data-wcc-status]");
    var thanks = root.querySelector("[data-wcc-thanks]");
    var submit = form ? form.querySelector('[type="submit"]') : null;
    var pageUrl = root.querySelector("[data-wcc-page-url]");
    var endpoint = root.getAttribute("data-wcc-endpoint");
    var returnFocus = null;

    // Messages come translated from the template's data-wcc-text-* attributes.
    function text(name) {
      return root.dataset["wccText" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    }

    // The dashboard's funnel: each event counted once per page view, with
    // nothing about the visitor sent.
    var counted = {};
    function count(event) {
      var url = root.getAttribute("data-wcc-events");
      if (!url || counted[event]) return;
      counted[event] = true;
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ event: event }),
        keepalive: true,
        credentials: "omit",
      }).catch(function () {});
    }

    var inline = root.hasAttribute("data-wcc-inline");
    if (pageUrl) pageUrl.value = window.location.href;
    form.addEventListener("submit", submitForm);
    form.addEventListener("input", function () { count("started"); });
    // Inline in the page: the form stays where it is, only sending changes.
    if (inline) return;

    bubble.hidden = false;
    close.hidden = false;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    bubble.setAttribute("aria-expanded", "false");

    function focusables() {
      return Array.prototype.filter.call(
        dialog.querySelectorAll(FOCUSABLE),
        function (el) { return el.offsetParent !== null; }
      );
    }

    // The proactive greeting: once per visit, after the editor's delay,
    // never over an open dialog; dismissible.
    var teaser = root.querySelector("[data-wcc-teaser]");
    var delay = parseInt(root.getAttribute("data-wcc-proactive"), 10);
    if (teaser && delay > 0) greetLater(delay, "wcc-greeted-" + root.id);

    function greetLater(seconds, key) {
      try {
        if (window.sessionStorage.getItem(key)) return;
      } catch (e) {
        // Storage blocked: greet, as on a first visit.
      }
      window.setTimeout(function () {
        if (dialogOpen()) return;
        try {
          window.sessionStorage.setItem(key, "1");
        } catch (e) {
          // Not remembered: the next page may greet again.
        }
        teaser.hidden = false;
      }, seconds * 1000);
      teaser.querySelector("[data-wcc-teaser-open]").addEventListener("click", open);
      teaser.querySelector("[data-wcc-teaser-close]").addEventListener("click", function () {
        teaser.hidden = true;
        bubble.focus();
      });
    }

    function dialogOpen() {
      return Array.prototype.some.call(
        document.querySelectorAll('[aria-modal="true"], dialog[open]'),
        function (el) { return el.getClientRects().length > 0; }
      );
    }

    function open() {
      count("opened");
      if (teaser) teaser.hidden = true;
      returnFocus = document.activeElement;
      dialog.classList.add("wcc-dialog--open");
      bubble.setAttribute("aria-expanded", "true");
      var first = thanks && !thanks.hidden ? thanks : form.querySelector(".wcc-field__input, .wcc-field__checkbox");
      (first || focusables()[0] || dialog).focus();
    }

    function hide() {
      dialog.classList.remove("wcc-dialog--open");
      bubble.setAttribute("aria-expanded", "false");
      var back = returnFocus && returnFocus.getClientRects().length ? returnFocus : bubble;
      back.focus();
    }

    bubble.addEventListener("click", function () {
      if (dialog.classList.contains("wcc-dialog--open")) hide(); else open();
    });
    close.addEventListener("click", hide);

    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        hide();
        return;
      }
      if (event.key !== "Tab") return;
      // Keep keyboard focus inside the open dialog.
      var items = focusables();
      if (!items.length) return;
      var first = items[0];
      var last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });

    function clearErrors() {
      status.textContent = "";
      Array.prototype.forEach.call(form.querySelectorAll("[data-wcc-error]"), function (el) {
        el.textContent = "";
      });
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
        el.removeAttribute("aria-invalid");
      });
    }

    function showErrors(errors) {
      var firstInvalid = null;
      var general = [];
      Object.keys(errors).forEach(function (name) {
        var messages = errors[name].join(" ");
        var slot = form.querySelector('[data-wcc-error="' + name + '"]');
        var input = form.querySelector('[name="' + name + '"]');
        if (slot && input) {
          slot.textContent = messages;
          input.setAttribute("aria-invalid", "true");
          firstInvalid = firstInvalid || input;
        } else {
          general.push(messages);
        }
      });
      var count = Object.keys(errors).length - general.length;
      status.textContent = general.concat(
        count ? [count === 1 ? text("fixOne") : text("fixMany").replace("{count}", count)] : []
      ).join(" ");
      if (firstInvalid) firstInvalid.focus();
    }

    function collect() {
      var data = {};
      Object.keys(VISIT).forEach(function (name) {
        if (typeof VISIT[name] === "string") data[name] = VISIT[name];
      });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "next") return;
        if (el.type === "checkbox") data[el.name] = el.checked;
        else data[el.name] = el.value;
      });
      return data;
    }

    function submitForm(event) {
      event.preventDefault();
      clearErrors();
      if (root.hasAttribute("data-wcc-preview")) {
        status.textContent = text("preview");
        return;
      }
      submit.disabled = true;
      status.textContent = text("sending");
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(collect()),
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            return { status: response.status, body: body, response: response };
          });
        })
        .then(function (result) {
          submit.disabled = false;
          if (result.status === 201) {
            status.textContent = "";
            form.hidden = true;
            thanks.hidden = false;
            thanks.focus();
            return;
          }
          if (result.status === 400 && result.body.errors) {
            showErrors(result.body.errors);
            return;
          }
          if (result.status === 429) {
            var wait = result.response.headers.get("Retry-After");
            status.textContent = wait
              ? text("tooManySeconds").replace("{seconds}", wait)
              : text("tooMany");
            return;
          }
          var errors = result.body.errors && result.body.errors.__all__;
          status.textContent =
            (errors ? errors.join(" ") + " " : text("failed") + " ") + text("kept");
        })
        .catch(function () {
          submit.disabled = false;
          status.textContent = text("network");
        });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-wcc]"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
