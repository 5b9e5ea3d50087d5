/*
 * "Test connection" and "Load fields from the CRM" in the chatbot editor.
 *
 * Posts the editor form's current values to the button's view and puts the
 * result it renders (the "html" key of its JSON answer) below the button,
 * without leaving the page. Without this script the button submits the whole
 * form to the same view, which answers with a page of its own.
 *
 * A result holding a <datalist data-chatbot-field-list="-crm_field"> offers
 * its options to every input whose name ends so, rows added later included.
 */
(function () {
  "use strict";

  async function resultHtml(response, container) {
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== -1) {
      return (await response.json()).html;
    }
    // A login page, a CSRF failure or a server error: not the view's answer.
    return failedHtml(container);
  }

  function failedHtml(container) {
    return container.querySelector("[data-chatbot-test-connection-failed]").innerHTML;
  }

  function setUp(container) {
    const button = container.querySelector("[data-chatbot-test-connection-button]");
    const region = container.querySelector("[data-chatbot-test-connection-result]");
    const form = button && button.form;
    if (!form || !region || !window.fetch || !window.FormData) {
      return; // the button still works as a plain form submission
    }
    // Not a submit button any more, so Enter in a field still saves the form.
    button.type = "button";
    const label = button.innerHTML;

    button.addEventListener("click", async function () {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = container.dataset.testingLabel;
      let html;
      try {
        const response = await fetch(container.dataset.url, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: {
            Accept: "application/json",
            "X-Requested-With": "XMLHttpRequest",
          },
        });
        html = await resultHtml(response, container);
      } catch (error) {
        html = failedHtml(container);
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.innerHTML = label;
      }
      // Rendered and escaped by the server, from the same template as the
      // page without JavaScript.
      region.innerHTML = html;
      offerFieldList(form, region);
    });
  }

  function offerFieldList(form, region) {
    const list = region.querySelector("datalist[data-chatbot-field-list]");
    if (!list) {
      return;
    }
    const suffix = list.dataset.chatbotFieldList;
    const connect = function (input) {
      if (input.name && input.name.endsWith(suffix) && input.type === "text") {
        input.setAttribute("list", list.id);
      }
    };
    form.querySelectorAll("input").forEach(connect);
    // Rows added after loading get the list when they are first used.
    form.addEventListener("focusin", function (event) {
      if (event.target.tagName === "INPUT") {
        connect(event.target);
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-chatbot-test-connection]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
