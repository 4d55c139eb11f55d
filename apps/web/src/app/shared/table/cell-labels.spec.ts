import { keepCellsLabelled, labelCells } from './cell-labels';

function table(html: string): HTMLTableElement {
  const host = document.createElement('div');
  host.innerHTML = `<table>${html}</table>`;
  return host.querySelector('table') as HTMLTableElement;
}

const labels = (t: HTMLTableElement) =>
  [...t.tBodies[0].rows].map((row) =>
    [...row.cells].map((cell) => cell.getAttribute('data-label')),
  );

describe('labelCells', () => {
  it("puts each column's header on its cells, none where the header is empty", () => {
    const t = table(`
      <thead><tr><th> Роль </th><th><span>Дневной</span> лимит</th><th></th></tr></thead>
      <tbody>
        <tr><td>Администратор</td><td>100</td><td><button>…</button></td></tr>
        <tr><td>Пользователь</td><td>5</td><td><button>…</button></td></tr>
      </tbody>`);
    expect(labelCells(t)).toBe(4);
    expect(labels(t)).toEqual([
      ['Роль', 'Дневной лимит', null],
      ['Роль', 'Дневной лимит', null],
    ]);
    expect(labelCells(t)).toBe(0);
  });

  it('leaves the line of an empty table (one cell over every column) unlabelled', () => {
    const t = table(`
      <thead><tr><th>Роль</th><th>Лимит</th></tr></thead>
      <tbody><tr><td colspan="2">Ничего не найдено.</td></tr></tbody>`);
    labelCells(t);
    expect(labels(t)).toEqual([[null]]);
  });
});

describe('keepCellsLabelled', () => {
  it('labels rows added later and follows a header that changes language', async () => {
    const root = document.createElement('div');
    root.innerHTML = `<table><thead><tr><th>Role</th></tr></thead><tbody></tbody></table>`;
    const stop = keepCellsLabelled(root);
    const t = root.querySelector('table') as HTMLTableElement;
    const row = t.tBodies[0].insertRow();
    row.insertCell().textContent = 'Admin';
    await Promise.resolve();
    expect(labels(t)).toEqual([['Role']]);

    (t.tHead?.rows[0].cells[0].firstChild as Text).data = 'Роль';
    await Promise.resolve();
    expect(labels(t)).toEqual([['Роль']]);

    stop();
    t.tBodies[0].insertRow().insertCell().textContent = 'User';
    await Promise.resolve();
    expect(labels(t)[1]).toEqual([null]);
  });
});
