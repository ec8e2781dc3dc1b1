// Progressive enhancement for every page (the pages work without it): confirmation before deleting,
// client-side sorting of tables, the report refreshing itself each round interval, and the host forms'
// TCP port field shown only for the TCP and Both methods.
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});

// The report's column links sort on the server; with JS the same links sort in place, keeping the URL.
function enableSorting(table) {
  table.querySelectorAll('thead th a').forEach((link, index) => {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      const th = link.parentElement;
      // A second click on the sorted column reverses it; a new column starts ascending.
      const descending = th.getAttribute('aria-sort') === 'ascending';
      table.querySelectorAll('thead th').forEach((other) => other.removeAttribute('aria-sort'));
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      const key = (row) => {
        const cell = row.cells[index];
        const value = cell.getAttribute('data-value');
        if (value === null) return cell.textContent.trim().toLowerCase();
        const number = Number(value);
        return value !== '' && !Number.isNaN(number) ? number : (value === '' ? null : value.toLowerCase());
      };
      rows.sort((a, b) => {
        const ka = key(a), kb = key(b);
        if (ka === null) return kb === null ? 0 : 1;
        if (kb === null) return -1;
        const order = ka < kb ? -1 : ka > kb ? 1 : 0;
        return descending ? -order : order;
      });
      rows.forEach((row) => body.appendChild(row));
      const url = new URL(link.href, window.location.href);
      url.searchParams.set('dir', descending ? 'desc' : 'asc');
      window.history.replaceState(null, '', window.location.pathname + '?' + url.searchParams.toString());
    });
  });
}

// Fetches the page again and swaps the report block, so filters and sorting stay as they are.
function enableRefresh(block) {
  const seconds = Number(block.getAttribute('data-refresh')) || 60;
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok || response.redirected) return;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.getElementById('report');
      if (!fresh) return;
      block.replaceChildren(...fresh.childNodes);
      const table = block.querySelector('table.sortable');
      if (table) enableSorting(table);
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  };
  window.setInterval(refresh, Math.max(5, seconds) * 1000);
}

// The host forms' port field: always in the page (without JS it is there and ignored for ICMP); with JS it
// hides while ICMP is chosen.
function enablePortField(select) {
  const field = document.getElementById(select.getAttribute('data-port-field'));
  if (!field) return;
  const update = () => { field.hidden = select.value === 'icmp'; };
  select.addEventListener('change', update);
  update();
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('select[data-port-field]').forEach(enablePortField);
  document.querySelectorAll('table.sortable').forEach(enableSorting);
  const report = document.getElementById('report');
  if (report) enableRefresh(report);
});
