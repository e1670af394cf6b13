// Small DOM helpers: elements built from data (never from HTML strings: job and operator names are user text).

/** `h('td', { class: 'x', title: 't' }, 'text', child)`; attributes with undefined/null/false values are left out. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/**
 * Replaces an element's children only when `key` differs from the last one rendered there, so that a poll
 * which brings nothing new leaves the DOM (open <details>, text selection, focus) alone.
 */
export function renderIfChanged(node, key, build) {
  if (node.dataset.renderKey === key) return false;
  node.dataset.renderKey = key;
  node.replaceChildren(...build());
  return true;
}

export const byId = (id) => document.getElementById(id);
