/*
 * "Test connection" in the chatbot editor.
 *
 * Posts the editor form's current values to the test view and shows its JSON
 * answer below the button, without leaving the page. Without this script the
 * button submits the whole form to the same view, which answers with a page.
 * The markup built here matches includes/test_connection_result.html.
 */
(function () {
  "use strict";

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function icon(container, name) {
    const template = container.querySelector(
      '[data-chatbot-test-connection-icon="' + name + '"]',
    );
    return template ? template.content.cloneNode(true) : document.createTextNode("");
  }

  function render(container, region, result) {
    const labels = container.dataset;
    const box = element(
      "div",
      "help-block w-chatbot-test-result " +
        (result.success ? "w-chatbot-test-result--success" : "help-critical"),
    );
    box.appendChild(icon(container, result.success ? "success" : "failure"));
    box.appendChild(
      element("p", "w-chatbot-test-result__message", result.message || ""),
    );
    if (result.errors && result.errors.length) {
      const list = element("ul", "w-chatbot-test-result__errors");
      result.errors.forEach(function (error) {
        list.appendChild(element("li", "", error));
      });
      box.appendChild(list);
    }
    const details = element("dl", "w-chatbot-test-result__details");
    if (result.status_code) {
      details.appendChild(element("dt", "", labels.statusLabel));
      details.appendChild(element("dd", "", String(result.status_code)));
    }
    if (result.response_excerpt) {
      details.appendChild(element("dt", "", labels.excerptLabel));
      const dd = element("dd");
      dd.appendChild(
        element("pre", "w-chatbot-test-result__excerpt", result.response_excerpt),
      );
      details.appendChild(dd);
    }
    if (result.detail) {
      details.appendChild(element("dt", "", labels.detailLabel));
      const dd = element("dd");
      dd.appendChild(element("code", "", result.detail));
      details.appendChild(dd);
    }
    if (details.childNodes.length) {
      box.appendChild(details);
    }
    region.replaceChildren(box);
  }

  async function readResult(response, container) {
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== -1) {
      return response.json();
    }
    // A login page, a CSRF failure or a server error: not the view's answer.
    return {
      success: false,
      message: container.dataset.failedMessage,
      status_code: response.status,
    };
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
      let result;
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
        result = await readResult(response, container);
      } catch (error) {
        result = { success: false, message: container.dataset.failedMessage };
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.innerHTML = label;
      }
      render(container, region, result);
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
