// CodeMirror 6 for the notebook workspace: Python answer cells with highlighting,
// indentation, bracket matching, history and Shift+Enter to run. Built into ../editor.js
// (npm install && npm run build); nothing is loaded from a CDN.
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle, indentUnit
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { python } from "@codemirror/lang-python";

// Styles go through constructable stylesheets (document.adoptedStyleSheets), which
// CSP style-src does not govern, so no <style> element or nonce is needed.
export const supported = typeof Document !== "undefined" && "adoptedStyleSheets" in Document.prototype;

export function createEditor(parent, options) {
  const onChange = options.onChange || function () {};
  const onRun = options.onRun || function () { return false; };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.doc || "",
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
        drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), indentUnit.of("    "),
        python(),
        keymap.of([
          { key: "Shift-Enter", run: () => { onRun(); return true; } },
          ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab
        ]),
        EditorView.contentAttributes.of({ "aria-label": options.label || "Code", "aria-multiline": "true" }),
        EditorView.updateListener.of((update) => { if (update.docChanged) { onChange(); } })
      ]
    })
  });
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus()
  };
}
