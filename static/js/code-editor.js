// A code editor from a plain <textarea data-code-editor>: line numbers beside it, Tab indents
// (Escape, then Tab, moves on to the next field, so the keyboard is never trapped). Without this
// file the textarea works as it is.
(() => {
  const INDENT = "  ";

  function enhance(area) {
    if (area.dataset.codeEditorReady) return;
    area.dataset.codeEditorReady = "1";
    const frame = document.createElement("div");
    frame.className = "code-editor";
    const gutter = document.createElement("pre");
    gutter.className = "code-editor-gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(frame, area);
    frame.append(gutter, area);
    area.spellcheck = false;
    area.setAttribute("autocapitalize", "off");
    area.setAttribute("autocomplete", "off");
    let escaped = false;

    const number = () => {
      const lines = area.value.split("\n").length;
      if (gutter.dataset.lines !== String(lines)) {
        gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join("\n");
        gutter.dataset.lines = String(lines);
      }
      gutter.scrollTop = area.scrollTop;
    };
    area.addEventListener("input", number);
    area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { escaped = true; return; }
      if (event.key !== "Tab" || escaped || event.ctrlKey || event.metaKey || event.altKey) { escaped = false; return; }
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end, value } = area;
      if (event.shiftKey) {  // outdent the current line
        const lineStart = value.lastIndexOf("\n", start - 1) + 1;
        if (value.startsWith(INDENT, lineStart)) {
          area.setRangeText("", lineStart, lineStart + INDENT.length, "preserve");
          area.setSelectionRange(Math.max(lineStart, start - INDENT.length), Math.max(lineStart, end - INDENT.length));
        }
      } else {
        area.setRangeText(INDENT, start, end, "end");
      }
      area.dispatchEvent(new Event("input"));
    });
    number();
  }

  // A function's form shows only the fields of the chosen behaviour (all of them without JavaScript).
  function showKindFields(select) {
    const form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-behaviour-kinds]").forEach((input) => {
      const wrapper = input.closest(".field") || input.parentElement;
      wrapper.hidden = !input.dataset.behaviourKinds.split(" ").includes(select.value);
    });
    form.querySelectorAll("[data-code-template-for]").forEach((picker) => {
      const wrapper = picker.closest(".starter-picker");
      if (wrapper && picker.form === form) wrapper.hidden = select.value !== "code";
    });
  }
  const kinds = (root) => root.querySelectorAll("select[name$='kind']").forEach((select) => {
    if (select.form && select.form.querySelector("[data-behaviour-kinds]")) showKindFields(select);
  });
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[name$='kind']");
    if (select && select.form && select.form.querySelector("[data-behaviour-kinds]")) showKindFields(select);
  });

  const all = (root) => { root.querySelectorAll("textarea[data-code-editor]").forEach(enhance); kinds(root); };
  all(document);
  document.addEventListener("htmx:load", (event) => all(event.detail.elt));  // content htmx brought in
  // A starter template fills the editor (a <select data-code-template-for="id">, options carry the code).
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-code-template-for]");
    if (!select) return;
    const option = select.selectedOptions[0];
    const area = document.getElementById(select.dataset.codeTemplateFor);
    if (!option || !option.dataset.code || !area) return;
    if (area.value.trim() && !window.confirm("Replace the code in the editor with this template?")) return;
    area.value = option.dataset.code;
    area.dispatchEvent(new Event("input"));
    area.focus();
  });
})();
