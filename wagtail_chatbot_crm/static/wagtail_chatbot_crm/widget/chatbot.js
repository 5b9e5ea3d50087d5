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

  // The lead endpoint's rules for one answer (LeadForm in forms.py), in its
  // order, so the conversation can answer a bad one at once. The endpoint
  // stays the judge: whatever it still refuses on sending comes back into
  // the conversation the same way.
  var UL = "a-z\u00a1-\uffff0-9";
  var EMAIL_USER =
    /^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$/i;
  var EMAIL_DOMAIN = new RegExp(
    "^[" + UL + "](?:[" + UL + "-]{0,61}[" + UL + "])?(?:\\.(?!-)[" + UL + "-]{1,63}(?<!-))*" +
      "\\.(?!-)(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)$",
    "i"
  );
  var EMAIL_LITERAL = /^\[[A-F0-9:.]+\]$/i;
  var PHONE = /^\+?[0-9 ().\-/]{3,}( *(x|ext\.?) *[0-9]+)?$/;
  var CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
  var CONTROL_BUT_LINES = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

  function isEmail(value) {
    var at = value.lastIndexOf("@");
    if (at < 0 || value.length > 320) return false;
    var domain = value.slice(at + 1);
    return (
      EMAIL_USER.test(value.slice(0, at)) &&
      (domain === "localhost" || EMAIL_DOMAIN.test(domain) || EMAIL_LITERAL.test(domain))
    );
  }

  // What is wrong with an answer ("" for nothing): rules has type
  // (text, email, tel or textarea), required and max (characters).
  function check(rules, value) {
    value = value.trim();
    if (!value) return rules.required ? "required" : "";
    if ((rules.type === "textarea" ? CONTROL_BUT_LINES : CONTROL).test(value)) return "control";
    if (Array.from(value).length > rules.max) return "tooLong";
    if (rules.type === "email" && !isEmail(value)) return "email";
    if (rules.type === "tel" && !PHONE.test(value)) return "phone";
    return "";
  }

  window.wagtailChatbotCrm = { check: check };

  // The visitor's details as the lead endpoint takes them, with the visit.
  function withVisit(data) {
    Object.keys(VISIT).forEach(function (name) {
      if (typeof VISIT[name] === "string" && !(name in data)) data[name] = VISIT[name];
    });
    data.page_url = window.location.href;
    return data;
  }

  // Send a lead; resolves with the answer's status and JSON body, rejects
  // when the network fails.
  function post(endpoint, data) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(withVisit(data)),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body, response: response };
      });
    });
  }

  // What a refused send says, in the widget's words (the input is kept).
  function refusal(result, text) {
    if (result.status === 429) {
      var wait = result.response.headers.get("Retry-After");
      return wait ? text("tooManySeconds").replace("{seconds}", wait) : text("tooMany");
    }
    var errors = result.body.errors && result.body.errors.__all__;
    return (errors ? errors.join(" ") + " " : text("failed") + " ") + text("kept");
  }

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
    var submit = form.querySelector('[type="submit"]');
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

    var widget = { root: root, form: form, thanks: thanks, text: text, count: count };
    // After a lead sent without JavaScript the page shows the thank-you.
    var conversation = root.getAttribute("data-wcc-style") === "conversation" && thanks.hidden;
    var chat = conversation ? converse(widget) : null;
    if (!chat) {
      form.addEventListener("submit", submitForm);
      form.addEventListener("input", function () { count("started"); });
    }
    // Inline in the page: the widget stays where it is.
    if (root.hasAttribute("data-wcc-inline")) return;

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

    function open(event) {
      // Counted when the visitor opens it, not when a page reopens it.
      if (event) count("opened");
      if (teaser) teaser.hidden = true;
      returnFocus = document.activeElement;
      dialog.classList.add("wcc-dialog--open");
      bubble.setAttribute("aria-expanded", "true");
      if (chat) {
        chat.opened(true);
        return;
      }
      var first = !thanks.hidden ? thanks : form.querySelector(".wcc-field__input, .wcc-field__checkbox");
      (first || focusables()[0] || dialog).focus();
    }

    function hide() {
      dialog.classList.remove("wcc-dialog--open");
      bubble.setAttribute("aria-expanded", "false");
      if (chat) chat.opened(false);
      var back = returnFocus && returnFocus.getClientRects().length ? returnFocus : bubble;
      back.focus();
    }

    bubble.addEventListener("click", function (event) {
      if (dialog.classList.contains("wcc-dialog--open")) hide(); else open(event);
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

    // A conversation open when the visitor left the last page opens again.
    if (chat && chat.wasOpen()) open(null);

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
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "next" || el.name === "page_url") return;
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
      post(root.getAttribute("data-wcc-endpoint"), collect())
        .then(function (result) {
          submit.disabled = false;
          if (result.status === 201) {
            status.textContent = "";
            form.hidden = true;
            thanks.hidden = false;
            thanks.focus();
          } else if (result.status === 400 && result.body.errors) {
            showErrors(result.body.errors);
          } else {
            status.textContent = refusal(result, text);
          }
        })
        .catch(function () {
          submit.disabled = false;
          status.textContent = text("network");
        });
    }
  }

  // The conversation: the form's fields asked one at a time in chat
  // bubbles. The form stays in the page (hidden) for its honeypot, and is
  // what visitors without JavaScript get. The answers live in the tab's
  // sessionStorage until they are sent, so the conversation carries on on
  // the site's next page.
  function converse(widget) {
    var root = widget.root;
    var form = widget.form;
    var text = widget.text;
    var preview = root.hasAttribute("data-wcc-preview");
    var key = "wcc-chat-" + root.id;
    var pause = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 450;

    var steps = Array.prototype.map.call(form.querySelectorAll("[data-wcc-question]"), function (field) {
      var input = field.querySelector("input, textarea");
      var consent = input.type === "checkbox";
      return {
        name: input.name,
        label: field.getAttribute("data-wcc-label"),
        question: field.getAttribute("data-wcc-question"),
        type: consent ? "consent" : input.tagName === "TEXTAREA" ? "textarea" : input.type,
        autocomplete: input.getAttribute("autocomplete"),
        required: input.required,
        max: input.maxLength,
      };
    });

    var state = load() || { answers: {}, step: 0 };
    var busy = false;
    // Focus follows the conversation only once the visitor is in it: a
    // page never loses its focus to a widget nobody opened.
    var engaged = false;

    var log = document.createElement("div");
    log.className = "wcc-log";
    log.setAttribute("role", "log");
    log.setAttribute("aria-label", text("log"));
    log.tabIndex = 0;
    var greeting = form.parentNode.querySelector(".wcc-message--bot");
    log.appendChild(greeting);
    var typing = element("p", "wcc-typing", "");
    typing.setAttribute("aria-hidden", "true");
    typing.innerHTML = "<span></span><span></span><span></span>";
    typing.hidden = true;
    var replies = element("div", "wcc-replies", "");
    var composer = element("form", "wcc-composer", "");
    composer.noValidate = true;
    composer.innerHTML =
      '<label class="wcc-composer__label"></label><button type="submit" class="wcc-composer__send">' +
      '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg></button>';
    var label = composer.firstChild;
    composer.lastChild.setAttribute("aria-label", text("reply"));
    var input = null;
    composer.hidden = true;
    form.hidden = true;
    form.parentNode.insertBefore(log, form);
    form.parentNode.insertBefore(replies, form);
    form.parentNode.insertBefore(composer, form);

    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      answer(input.value);
    });

    function element(tag, className, content) {
      var el = document.createElement(tag);
      el.className = className;
      el.textContent = content;
      return el;
    }

    function load() {
      if (preview) return null;
      try {
        var saved = JSON.parse(window.sessionStorage.getItem(key));
        return saved && saved.answers && typeof saved.answers === "object" ? saved : null;
      } catch (e) {
        return null;
      }
    }

    function save() {
      if (preview) return;
      try {
        if (state) window.sessionStorage.setItem(key, JSON.stringify(state));
        else window.sessionStorage.removeItem(key);
      } catch (e) {
        // Not kept: the conversation lasts as long as this page.
      }
    }

    function scroll() {
      log.scrollTop = log.scrollHeight;
    }

    function say(content, who) {
      var bubble = typeof content === "string" ? element("p", "", content) : content;
      bubble.classList.add("wcc-message", "wcc-message--" + who);
      log.appendChild(bubble);
      scroll();
      return bubble;
    }

    // The bot "types" for a moment, says its piece, then goes on.
    function reply(content, then) {
      busy = true;
      wait();
      log.appendChild(typing);
      typing.hidden = false;
      scroll();
      window.setTimeout(function () {
        typing.hidden = true;
        busy = false;
        say(content, "bot");
        if (then) then();
      }, pause);
    }

    function shown(step, value) {
      if (step.type === "consent") return text(value ? "yes" : "no");
      return value || text("skipped");
    }

    // The quick replies go while the bot is busy; focus on one of them
    // waits on the log (which can be scrolled from the keyboard).
    function wait() {
      if (replies.contains(document.activeElement)) log.focus({ preventScroll: true });
      replies.hidden = true;
    }

    function choices(buttons) {
      replies.textContent = "";
      buttons.forEach(function (choice) {
        var button = element("button", "wcc-reply" + (choice.main ? " wcc-reply--main" : ""), choice.label);
        button.type = "button";
        button.addEventListener("click", function () {
          if (!busy) choice.then();
        });
        replies.appendChild(button);
      });
      replies.hidden = !buttons.length;
      scroll();
    }

    // Put the question's input (and its quick replies) under the log.
    function prompt(step, value) {
      var consent = step.type === "consent";
      composer.hidden = consent;
      if (!consent) {
        if (input) input.remove();
        input = document.createElement(step.type === "textarea" ? "textarea" : "input");
        input.className = "wcc-composer__input";
        input.id = root.id + "-answer";
        if (step.type === "textarea") {
          input.rows = 2;
          input.addEventListener("keydown", function (event) {
            // Enter sends; Shift+Enter starts a new line.
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              answer(input.value);
            }
          });
        } else {
          input.type = step.type;
          input.setAttribute("autocomplete", step.autocomplete);
        }
        input.value = typeof value === "string" ? value : "";
        label.htmlFor = input.id;
        label.textContent = step.question;
        composer.insertBefore(input, label.nextSibling);
      }
      var buttons = [];
      if (consent) {
        buttons.push({ label: text("yes"), then: function () { answer(true); } });
        buttons.push({ label: text("no"), then: function () { answer(false); } });
      } else if (!step.required) {
        buttons.push({ label: text("skip"), then: function () { answer(""); } });
      }
      choices(buttons);
      focus();
    }

    function ask(index, value) {
      state.step = index;
      save();
      reply(steps[index].question, function () { prompt(steps[index], value); });
    }

    function answer(value) {
      if (busy) return;
      engaged = true;
      var step = steps[state.step];
      var problem = step.type === "consent" ? "" : check(step, value);
      say(shown(step, value), "visitor");
      if (!Object.keys(state.answers).length) widget.count("started");
      if (problem) {
        var message = text(problem)
          .replace("{limit}", step.max)
          .replace("{count}", Array.from(value.trim()).length);
        reply(message, function () { ask(state.step, value); });
        return;
      }
      state.answers[step.name] = typeof value === "string" ? value.trim() : value;
      if (state.changing) summary();
      else next();
    }

    // The first question not answered yet, or the summary.
    function next() {
      var index = steps.findIndex(function (step) { return !(step.name in state.answers); });
      if (index < 0) summary();
      else ask(index);
    }

    function clearChanges() {
      Array.prototype.forEach.call(log.querySelectorAll(".wcc-change"), function (button) {
        button.remove();
      });
    }

    function summary() {
      clearChanges();
      state.changing = false;
      save();
      var list = element("div", "wcc-message--summary", "");
      list.appendChild(element("p", "", text("summary")));
      var answers = element("dl", "wcc-summary", "");
      steps.forEach(function (step, index) {
        var row = document.createElement("div");
        row.appendChild(element("dt", "", step.label));
        var answer = row.appendChild(element("dd", "", ""));
        answer.appendChild(element("span", "", shown(step, state.answers[step.name])));
        var change = element("button", "wcc-change", text("change"));
        change.type = "button";
        change.setAttribute("aria-label", text("changeLabel").replace("{label}", step.label));
        change.addEventListener("click", function () {
          if (busy) return;
          clearChanges();
          state.changing = true;
          ask(index, state.answers[step.name]);
        });
        answer.appendChild(change);
        answers.appendChild(row);
      });
      list.appendChild(answers);
      composer.hidden = true;
      reply(list, offerSend);
    }

    function offerSend() {
      choices([{ label: text("send"), main: true, then: send }]);
      focus();
    }

    function send() {
      if (preview) {
        reply(text("preview"), offerSend);
        return;
      }
      var data = {};
      steps.forEach(function (step) { data[step.name] = state.answers[step.name]; });
      var honeypot = form.querySelector(".wcc-hp input");
      if (honeypot) data[honeypot.name] = honeypot.value;
      busy = true;
      wait();
      post(root.getAttribute("data-wcc-endpoint"), data)
        .then(function (result) {
          busy = false;
          if (result.status === 201) {
            state = null;
            save();
            clearChanges();
            choices([]);
            reply(widget.thanks.querySelector("p").cloneNode(true), function () {
              log.lastChild.tabIndex = -1;
              log.lastChild.focus();
            });
            return;
          }
          var errors = (result.status === 400 && result.body.errors) || {};
          var index = steps.findIndex(function (step) { return errors[step.name]; });
          if (index >= 0) {
            clearChanges();
            state.changing = true;
              reply(errors[steps[index].name].join(" "), function () {
              ask(index, state.answers[steps[index].name]);
            });
            return;
          }
          reply(refusal(result, text), offerSend);
        })
        .catch(function () {
          busy = false;
          reply(text("network"), offerSend);
        });
    }

    function focus() {
      if (!engaged) return;
      var target = !composer.hidden && input ? input : replies.hidden ? null : replies.firstChild;
      if (target && target.getClientRects().length) target.focus();
    }

    // Show the conversation so far at once (on a new page), then carry on
    // (with the questions the chatbot asks now, should an editor have
    // changed them meanwhile).
    function restore() {
      var pauseWas = pause;
      pause = 0;
      steps.forEach(function (step) {
        if (!(step.name in state.answers)) return;
        say(step.question, "bot");
        say(shown(step, state.answers[step.name]), "visitor");
      });
      var changing = state.changing && steps[state.step];
      if (changing) ask(state.step, state.answers[changing.name]);
      else next();
      pause = pauseWas;
    }

    restore();

    return {
      opened: function (open) {
        if (state) {
          state.open = open;
          if (Object.keys(state.answers).length) save();
        }
        engaged = open;
        if (open) focus();
      },
      wasOpen: function () {
        return Boolean(state && state.open);
      },
    };
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-wcc]"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
