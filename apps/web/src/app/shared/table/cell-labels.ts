/**
 * Puts each body cell's column header on the cell as `data-label`, which
 * the phone layout of data-table.css shows before the value (a row becomes
 * a card of label–value pairs). A column without header text (the row's
 * buttons) gets no label. Returns the number of attributes it changed.
 */
export function labelCells(table: HTMLTableElement): number {
  const head =
    table.querySelector<HTMLTableRowElement>('thead tr') ?? table.rows[0];
  if (!head) {
    return 0;
  }
  const labels = [...head.cells].map((th) =>
    (th.textContent ?? '').replace(/\s+/g, ' ').trim(),
  );
  let changed = 0;
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      [...row.cells].forEach((cell, i) => {
        // The "nothing here" line spans every column: no label.
        const label = cell.colSpan > 1 ? '' : (labels[i] ?? '');
        if (label && cell.getAttribute('data-label') !== label) {
          cell.setAttribute('data-label', label);
          changed++;
        } else if (!label && cell.hasAttribute('data-label')) {
          cell.removeAttribute('data-label');
          changed++;
        }
      });
    }
  }
  return changed;
}

/**
 * Keeps `labelCells` true of the tables under `root` as rows come and go
 * and the headers change language; returns what stops it.
 */
export function keepCellsLabelled(root: HTMLElement): () => void {
  const label = () => {
    for (const table of root.querySelectorAll('table')) {
      labelCells(table);
    }
  };
  // Only text and elements are watched, not attributes: labelling does not wake it again.
  const observer = new MutationObserver(label);
  observer.observe(root, {
    childList: true,
    subtree: true,
    characterData: true,
  });
  label();
  return () => observer.disconnect();
}
