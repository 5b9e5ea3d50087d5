/*
 * The CRM preset in the chatbot editor.
 *
 * Choosing a CRM fills the webhook URL, authentication type, API key header
 * (or OAuth2 token URL and header prefix) and body format from its preset, and its field mapping and static value
 * rows (asking first when the chatbot already has rows of its own), and shows
 * its setup steps. Secret inputs are never touched. Only the credential
 * fields of the chosen authentication type are shown. Without this script
 * the editor shows every field and the steps of the saved CRM.
 */
(function () {
  "use strict";

  function byId(id) {
    return document.getElementById(id);
  }

  // A field's panel: its label, help text and input (Wagtail's
  // ``w-panel__wrapper``).
  function wrapper(input) {
    return input ? input.closest(".w-panel__wrapper") : null;
  }

  function setValue(input, value) {
    if (!input) {
      return;
    }
    if (input.type === "checkbox") {
      input.checked = Boolean(value);
    } else {
      input.value = value;
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // --- Credential fields of the chosen authentication only ---

  function showCredentials(authFields) {
    const authType = byId("id_auth_type");
    if (!authType) {
      return;
    }
    const chosen = authFields[authType.value] || [];
    const rows = new Set();
    Object.keys(authFields).forEach(function (type) {
      authFields[type].forEach(function (name) {
        const field = wrapper(byId("id_" + name));
        if (field) {
          field.hidden = chosen.indexOf(name) === -1;
          const row = field.parentElement.closest(".w-field-row");
          if (row) {
            rows.add(row);
          }
        }
      });
    });
    // A row of fields (with its "For …" help) goes when all its fields go.
    rows.forEach(function (row) {
      const fields = Array.from(row.children);
      const outer = wrapper(row);
      if (outer) {
        outer.hidden = fields.every(function (field) {
          return field.hidden;
        });
      }
    });
  }

  // --- Inline rows (Wagtail's InlinePanel) ---

  function liveRows(prefix) {
    const forms = byId("id_" + prefix + "-FORMS");
    if (!forms) {
      return [];
    }
    return Array.from(forms.querySelectorAll("[data-inline-panel-child]")).filter(
      function (child) {
        const index = child.id.split("-").pop();
        const deleted = byId("id_" + prefix + "-" + index + "-DELETE");
        return !deleted || deleted.value !== "1";
      },
    );
  }

  function deleteRows(prefix) {
    liveRows(prefix).forEach(function (child) {
      const index = child.id.split("-").pop();
      const button = byId("id_" + prefix + "-" + index + "-DELETE-button");
      if (button) {
        button.click();
      }
    });
  }

  function addRow(prefix, values) {
    const add = byId("id_" + prefix + "-ADD");
    const total = byId("id_" + prefix + "-TOTAL_FORMS");
    if (!add || !total) {
      return;
    }
    add.click();
    const index = Number(total.value) - 1;
    Object.keys(values).forEach(function (name) {
      setValue(byId("id_" + prefix + "-" + index + "-" + name), values[name]);
    });
  }

  function fillRows(preset) {
    deleteRows("field_mappings");
    deleteRows("static_values");
    preset.mappings.forEach(function (row) {
      addRow("field_mappings", { source: row[0], crm_field: row[1] });
    });
    preset.static_values.forEach(function (row) {
      addRow("static_values", { crm_field: row[0], value: row[1], is_json: row[2] });
    });
  }

  // --- Setup steps ---

  function showSteps(container, preset) {
    const box = container.querySelector("[data-chatbot-preset-steps]");
    const title = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = preset.label;
    title.appendChild(strong);
    const list = document.createElement("ol");
    preset.steps.forEach(function (step) {
      const item = document.createElement("li");
      item.textContent = step;
      list.appendChild(item);
    });
    const nodes = [title, list];
    if (preset.duplicates) {
      const note = document.createElement("p");
      note.textContent = preset.duplicates;
      nodes.push(note);
    }
    const links = document.createElement("p");
    [
      [preset.guide_url, "[data-chatbot-preset-guide-label]"],
      [preset.docs_url, "[data-chatbot-preset-docs-label]"],
    ].forEach(function (pair) {
      if (!pair[0]) {
        return;
      }
      const link = document.createElement("a");
      link.href = pair[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = container.querySelector(pair[1]).content.textContent;
      if (links.childNodes.length) {
        links.appendChild(document.createTextNode(" · "));
      }
      links.appendChild(link);
    });
    if (links.childNodes.length) {
      nodes.push(links);
    }
    box.replaceChildren.apply(box, nodes);
  }

  // --- Choosing a CRM ---

  function apply(container, preset, authFields) {
    if (!preset.url) {
      // Generic: no opinion on the settings; only its steps.
      showSteps(container, preset);
      return;
    }
    setValue(byId("id_webhook_url"), preset.url);
    setValue(byId("id_auth_type"), preset.auth_type);
    ["api_key_header", "oauth_token_url", "oauth_header_prefix"].forEach(
      function (name) {
        if (preset[name]) {
          setValue(byId("id_" + name), preset[name]);
        }
      },
    );
    setValue(byId("id_body_format"), preset.body_format);
    showCredentials(authFields);

    if (preset.mappings.length || preset.static_values.length) {
      const existing =
        liveRows("field_mappings").length + liveRows("static_values").length;
      const question = container.dataset.replaceQuestion
        .replace("%(count)s", existing)
        .replace("%(crm)s", preset.label);
      if (!existing || window.confirm(question)) {
        fillRows(preset);
      }
    }
    showSteps(container, preset);
  }

  function setUp(container) {
    const presets = JSON.parse(byId("wagtail-chatbot-crm-presets").textContent);
    const authFields = JSON.parse(
      byId("wagtail-chatbot-crm-auth-fields").textContent,
    );
    const select = byId("id_preset");
    const authType = byId("id_auth_type");
    if (authType) {
      authType.addEventListener("change", function () {
        showCredentials(authFields);
      });
      showCredentials(authFields);
    }
    if (select) {
      select.addEventListener("change", function () {
        const preset = presets[select.value];
        if (preset) {
          apply(container, preset, authFields);
        }
      });
    }
  }

  function init() {
    document.querySelectorAll("[data-chatbot-preset]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
