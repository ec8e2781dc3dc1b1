// Progressive enhancement for every page (the pages work without it): confirmation before deleting,
// the report refreshing itself each round interval, and the host forms' TCP port field shown only for the TCP
// and Both methods. The report sorts, filters and pages on the server (its links and form work without
// JavaScript): sorting one page in place would sort the page, not the hosts.
'use strict';

document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});

// Fetches the page again and swaps the report block, so filters, sorting and the page stay as they are.
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
  const report = document.getElementById('report');
  if (report) enableRefresh(report);
});
