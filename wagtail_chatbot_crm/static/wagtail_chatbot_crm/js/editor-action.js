/*
 * "Test connection", "Load fields from the CRM" and "What is sent" in the
 * chatbot editor.
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

    // Ask the view and show its answer. A result that follows the rows as
    // they change is not announced each time; one asked for by the button is.
    async function run(following) {
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
      region.setAttribute("aria-live", following ? "off" : "polite");
      // Rendered and escaped by the server, from the same template as the
      // page without JavaScript.
      region.innerHTML = html;
      offerFieldList(form, region);
      offerDefaultRows(form, region, later);
    }

    button.addEventListener("click", function () {
      run(false);
    });

    // "What is sent" follows the rows of its tab as they are edited, added
    // or removed.
    let timer = null;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { run(true); }, 500);
    }
    if ("followsChanges" in container.dataset) {
      const scope = container.closest('[role="tabpanel"]') || form;
      ["input", "change"].forEach(function (type) {
        scope.addEventListener(type, function (event) {
          if (!container.contains(event.target)) later();
        });
      });
      scope.addEventListener("click", function (event) {
        const clicked = event.target.closest("button");
        if (clicked && !container.contains(clicked)) later();
      });
      run(true);
    }
  }

  // "Start from the default rows": add a mapping row for each row of the
  // default body, as the Add button would, with its field and name filled in.
  function offerDefaultRows(form, region, changed) {
    const button = region.querySelector("[data-chatbot-default-rows]");
    const add = form.querySelector("#id_field_mappings-ADD");
    if (!button || !add) {
      return;
    }
    const rows = JSON.parse(document.getElementById(button.dataset.chatbotDefaultRows).textContent);
    button.hidden = false;
    button.addEventListener("click", function () {
      const total = form.querySelector("#id_field_mappings-TOTAL_FORMS");
      rows.forEach(function (row) {
        add.click();
        const index = parseInt(total.value, 10) - 1;
        const source = form.querySelector("#id_field_mappings-" + index + "-source");
        const field = form.querySelector("#id_field_mappings-" + index + "-crm_field");
        if (source && field) {
          source.value = row.source;
          field.value = row.crm_field;
          source.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
      changed();
      const first = form.querySelector("#id_field_mappings-" + (parseInt(total.value, 10) - rows.length) + "-source");
      if (first) {
        first.focus();
      }
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
