/*
 * Field mapping rows in the chatbot editor: each row is one line (chatbot
 * field, CRM field, transform), and the date format and the answer's label
 * show only in the rows that use them: the date format with the "Date
 * format" transform (or a value already typed), the label with "Other
 * answer". Without this script every input shows.
 */
(function () {
  "use strict";

  const PREFIX = "id_field_mappings-";

  function wrapper(input) {
    return input ? input.closest(".w-panel__wrapper, [data-field-wrapper]") : null;
  }

  function show(input, visible) {
    const outer = wrapper(input);
    if (outer) {
      outer.hidden = !visible;
    }
    return visible;
  }

  function update(index) {
    const get = function (name) {
      return document.getElementById(PREFIX + index + "-" + name);
    };
    const source = get("source");
    const transform = get("transform");
    const dateFormat = get("date_format");
    const extraKey = get("extra_key");
    if (!source || !transform) {
      return;
    }
    const dated = show(dateFormat, transform.value === "date" || Boolean(dateFormat && dateFormat.value));
    const extra = show(extraKey, source.value === "extra" || Boolean(extraKey && extraKey.value));
    const row = dateFormat && dateFormat.closest(".w-field-row");
    if (row) {
      row.hidden = !dated && !extra;
    }
  }

  function indexOf(input) {
    const match = input && input.id && input.id.match(/^id_field_mappings-(\d+)-/);
    return match ? match[1] : null;
  }

  function all() {
    document.querySelectorAll('[id^="' + PREFIX + '"][id$="-source"]').forEach(function (select) {
      update(indexOf(select));
    });
  }

  function init() {
    all();
    document.addEventListener("change", function (event) {
      const index = indexOf(event.target);
      if (index !== null) {
        update(index);
      }
    });
    // Rows added with "Add mapping" (or by a preset) start compact too.
    const forms = document.getElementById("id_field_mappings-FORMS");
    if (forms && window.MutationObserver) {
      new MutationObserver(all).observe(forms, { childList: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
