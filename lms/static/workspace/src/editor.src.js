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

// The page's CSP is style-src 'self' plus a per-response nonce: no <style> element may be added at
// run time without it. CodeMirror (style-mod) uses a constructable stylesheet (adoptedStyleSheets,
// which CSP does not govern) inside the shadow root each editor lives in, and falls back to a
// <style> element wherever it cannot; that element carries the page's nonce (EditorView.cspNonce,
// options.nonce), so nothing CodeMirror styles is ever blocked. Never 'unsafe-inline'.
export const supported = typeof ShadowRoot !== "undefined" && "adoptedStyleSheets" in ShadowRoot.prototype
  && typeof CSSStyleSheet === "function";

const look = EditorView.theme({
  "&": { fontSize: "0.9rem", backgroundColor: "#fbfbfe", color: "#1c1d29" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: '"JetBrains Mono", "DejaVu Sans Mono", ui-monospace, monospace', minHeight: "5em"
  },
  ".cm-content": { padding: "8px 0" },
  ".cm-gutters": { backgroundColor: "#f3f3f9", borderRight: "1px solid #e4e4ee", color: "#62657a" },
  ".cm-activeLine": { backgroundColor: "#f1f2ff" },
  ".cm-activeLineGutter": { backgroundColor: "#e8e9ff" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "#d9dcff", outline: "1px solid #4f46e5" }
});

export function createEditor(parent, options) {
  const onChange = options.onChange || function () {};
  const onRun = options.onRun || function () { return false; };
  const shadow = parent.attachShadow({ mode: "open" });
  const view = new EditorView({
    parent: shadow,
    root: shadow,
    state: EditorState.create({
      doc: options.doc || "",
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
        drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), indentUnit.of("    "),
        python(), look, EditorView.cspNonce.of(options.nonce || ""),
        keymap.of([
          { key: "Shift-Enter", run: () => { onRun(); return true; } },
          ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab
        ]),
        // tabindex: the text is focusable already (contenteditable); said outright, checkers such as
        // axe-core see the scroller around it holds something a keyboard reaches.
        EditorView.contentAttributes.of({ "aria-label": options.label || "Code", "aria-multiline": "true", tabindex: "0" }),
        EditorView.updateListener.of((update) => { if (update.docChanged) { onChange(); } })
      ]
    })
  });
  // Measure again once fonts are in: line heights taken before would misplace the gutter.
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(() => view.requestMeasure()); }
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus()
  };
}
