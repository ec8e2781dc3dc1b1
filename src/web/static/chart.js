// The smoke chart of /report/{id}: a min–max band per round (or hour, or day), the median as a line whose
// points are coloured by that round's loss, the host's alert events as vertical marks (their title says what
// changed), and a hover read-out. One such series per probe kind the host measures (data-methods: "icmp",
// "tcp" or "icmp tcp"; a `both` host draws ICMP and TCP in their own colours) and location (issue 16:
// data-locations, the names; data-selected, the one whose band and loss points are drawn: the others draw
// their median line only, each in a colour of its own). Data from
// /api/v1/hosts/{id}/results?method=...&location=... and /api/v1/events (the session cookie), page by page,
// turned into the columns uPlot draws from.
'use strict';

(function () {
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const lossColors = ['--loss-0', '--loss-1', '--loss-2', '--loss-3', '--loss-4'].map(color);

  function lossLevel(loss, sent) {
    if (loss === null || sent === 0) return -1;
    if (loss >= 1) return 4;
    if (loss <= 0) return 0;
    if (loss <= 0.05) return 1;
    if (loss <= 0.2) return 2;
    return 3;
  }

  const fmtMs = (v) => (v === null || v === undefined ? '—' : v < 1 ? v.toFixed(3) + ' ms' : v.toFixed(1) + ' ms');
  const fmtLoss = (v) => (v === null || v === undefined ? '—' : Math.round(v * 100) + '%');

  // The chart's kinds ('icmp', 'tcp'). Its series are keyed 'kind@location'; each is three uPlot series (min,
  // median, max) after the x axis, so series k's min is uPlot series 1 + 3k, its median 2 + 3k, its max 3 + 3k.
  const kindStyle = {
    icmp: { label: 'ICMP', line: '--accent', band: '--band' },
    tcp: { label: 'TCP', line: '--tcp', band: '--tcp-band' },
  };
  // The median lines of the locations that are not selected, one colour per location (by its place).
  const otherLines = ['#8e44ad', '#16a085', '#d35400', '#2c3e50', '#c0392b', '#7f8c8d'];

  // Fills between the selected location's min and max series of each kind (`keys`: the series keys, `banded`:
  // whether each has a band).
  function bandPlugin(keys, banded) {
    return {
      hooks: {
        draw: (u) => {
          const { ctx } = u;
          const xs = u.data[0];
          ctx.save();
          // One round (or bucket) wide: the smallest step between points, at least 2 px.
          let step = Infinity;
          for (let i = 1; i < xs.length; i++) step = Math.min(step, xs[i] - xs[i - 1]);
          if (!Number.isFinite(step)) step = 60;
          const width = Math.max(2, (u.valToPos(xs[0] + step, 'x', true) - u.valToPos(xs[0], 'x', true)) * 0.9);
          keys.forEach((key, k) => {
            if (!banded[k]) return;
            const mins = u.data[1 + 3 * k];
            const maxs = u.data[3 + 3 * k];
            ctx.fillStyle = color(kindStyle[key.split('@')[0]].band);
            for (let i = 0; i < xs.length; i++) {
              if (mins[i] === null || maxs[i] === null) continue;
              const x = u.valToPos(xs[i], 'x', true);
              const top = u.valToPos(maxs[i], 'y', true);
              const bottom = u.valToPos(mins[i], 'y', true);
              ctx.fillRect(x - width / 2, top, width, Math.max(1, bottom - top));
            }
          });
          ctx.restore();
        },
      },
    };
  }

  // Colours each kind's median points by loss, and marks rounds with no reply at the bottom in the "all
  // lost" colour (a second kind's a little higher, so both show).
  function lossPlugin(keys, banded, columns) {
    return {
      hooks: {
        draw: (u) => {
          const { ctx } = u;
          const xs = u.data[0];
          const radius = Math.max(1.5, Math.min(3, u.bbox.width / Math.max(1, xs.length) / 3));
          ctx.save();
          let drawn = 0;
          keys.forEach((key, k) => {
            if (!banded[k]) return;  // the selected location's points only
            const row = drawn++;
            const medians = u.data[2 + 3 * k];
            const { loss, sent } = columns[key];
            for (let i = 0; i < xs.length; i++) {
              const level = lossLevel(loss[i], sent[i]);
              if (level < 0) continue;
              const x = u.valToPos(xs[i], 'x', true);
              ctx.fillStyle = lossColors[level];
              if (medians[i] === null) {
                ctx.fillRect(x - radius, u.bbox.top + u.bbox.height - 4 - 6 * row, radius * 2, 4);
                continue;
              }
              ctx.beginPath();
              ctx.arc(x, u.valToPos(medians[i], 'y', true), radius, 0, 2 * Math.PI);
              ctx.fill();
            }
          });
          ctx.restore();
        },
      },
    };
  }

  // The host's alert events in the range ([{id, ts, to, title}]); none when the request fails.
  async function loadEvents(element) {
    const src = element.getAttribute('data-events');
    if (!src) return [];
    try {
      const response = await fetch(src, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) return [];
      const page = await response.json();
      return page.events.map((event) => ({
        id: event.id,
        ts: Date.parse(event.at) / 1000,
        to: event.to,
        title: new Date(event.at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC: ' + event.from + ' → ' +
          event.to + ' (' + event.reason + ')',
      }));
    } catch (error) {
      return [];
    }
  }

  // A thin vertical mark per event over the plot, as elements (not canvas) so that each has a title.
  function eventsPlugin(events) {
    return {
      hooks: {
        draw: (u) => {
          let layer = u.over.querySelector('.event-marks');
          if (!layer) {
            layer = document.createElement('div');
            layer.className = 'event-marks';
            u.over.appendChild(layer);
          }
          layer.replaceChildren();
          for (const event of events) {
            const x = u.valToPos(event.ts, 'x');
            if (!(x >= 0 && x <= u.over.clientWidth)) continue;
            const mark = document.createElement('div');
            mark.className = 'event-mark to-' + event.to;
            mark.style.left = x + 'px';
            mark.title = event.title;
            mark.setAttribute('data-event', String(event.id));
            mark.setAttribute('aria-label', event.title);
            mark.setAttribute('role', 'img');
            layer.appendChild(mark);
          }
        },
      },
    };
  }

  // One series' points ('kind@location') in the range as columns ({ts: [...seconds], min: [...], ...}), or
  // null when a page failed.
  async function load(element, key, from) {
    const [kind, location] = key.split('@');
    const base = element.getAttribute('data-src') + '?from=' + from + '&resolution=' +
      encodeURIComponent(element.getAttribute('data-resolution') || 'raw') + '&method=' + encodeURIComponent(kind) +
      (location ? '&location=' + encodeURIComponent(location) : '') + '&limit=10000';
    const data = { ts: [], min: [], median: [], max: [], loss: [], sent: [], received: [], refused: [] };
    let url = base;
    for (let pages = 0; url && pages < 50; pages++) {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) return null;
      const page = await response.json();
      for (const point of page.results) {
        data.ts.push(Date.parse(point.ts) / 1000);  // uPlot's x axis is in seconds
        data.min.push(point.min_ms);
        data.median.push(point.median_ms);
        data.max.push(point.max_ms);
        data.loss.push(point.loss);
        data.sent.push(point.sent);
        data.received.push(point.received);
        data.refused.push(point.refused || 0);
      }
      url = page.next_cursor ? base + '&cursor=' + encodeURIComponent(page.next_cursor) : null;
    }
    return data;
  }

  const fields = ['min', 'median', 'max', 'loss', 'sent', 'received', 'refused'];

  // The kinds' columns on one x axis (the union of their times; a kind without a point at a time has
  // null there), as uPlot wants them: {ts, columns: {kind: {min: [...], ...}}}.
  function align(kinds, loaded) {
    const times = [...new Set(kinds.flatMap((kind) => loaded[kind].ts))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const columns = {};
    for (const kind of kinds) {
      const column = {};
      for (const field of fields) column[field] = new Array(times.length).fill(null);
      const source = loaded[kind];
      source.ts.forEach((t, j) => {
        const i = index.get(t);
        for (const field of fields) column[field][i] = source[field][j];
      });
      columns[kind] = column;
    }
    return { ts: times, columns };
  }

  async function draw(element, existing) {
    const kinds = (element.getAttribute('data-methods') || 'icmp').split(/\s+/).filter((kind) => kindStyle[kind]);
    if (kinds.length === 0) kinds.push('icmp');
    const selected = element.getAttribute('data-selected') || '';
    const locations = (element.getAttribute('data-locations') || selected).split(/\s+/).filter((name) => name);
    if (locations.length === 0) locations.push('');
    // The selected location's series first, so that its band and points are under the other lines.
    locations.sort((a, b) => (b === selected) - (a === selected));
    const keys = locations.flatMap((location) => kinds.map((kind) => kind + '@' + location));
    const banded = keys.map((key) => key.split('@')[1] === selected);
    const to = Date.now() / 1000;
    const from = Math.floor(to - (Number(element.getAttribute('data-span')) || 86400));
    const [events, ...pages] = await Promise.all([loadEvents(element), ...keys.map((key) => load(element, key, from))]);
    if (pages.some((page) => page === null)) return existing;
    const loaded = {};
    keys.forEach((key, k) => { loaded[key] = pages[k]; });
    const data = align(keys, loaded);
    if (existing) existing.destroy();
    element.replaceChildren();
    element.classList.add('loaded');
    element.setAttribute('data-drawn-methods',
      [...new Set(keys.filter((key) => loaded[key].ts.length > 0).map((key) => key.split('@')[0]))].join(' '));
    element.setAttribute('data-drawn-series', keys.filter((key) => loaded[key].ts.length > 0).join(' '));
    if (data.ts.length === 0) {
      const note = document.createElement('p');
      note.className = 'muted';
      note.textContent = 'No rounds in this range yet.';
      element.appendChild(note);
      return null;
    }
    const readout = document.createElement('p');
    readout.className = 'muted small';
    readout.setAttribute('aria-live', 'off');
    const series = [{}];
    const columns = [data.ts];
    const others = locations.filter((location) => location !== selected);
    keys.forEach((key, k) => {
      const [kind, location] = key.split('@');
      const style = kindStyle[kind];
      const column = data.columns[key];
      const label = (locations.length > 1 ? location + ' ' : '') + style.label;
      const line = banded[k] ? color(style.line) : otherLines[others.indexOf(location) % otherLines.length];
      series.push(
        { label: label + ' min', stroke: 'transparent', points: { show: false } },
        { label: label + ' median', stroke: line, width: 1.5, dash: kind === 'tcp' && !banded[k] ? [4, 3] : undefined, points: { show: false }, spanGaps: false },
        { label: label + ' max', stroke: 'transparent', points: { show: false } },
      );
      columns.push(column.min, column.median, column.max);
      // The legend's swatch of this series (the page lists one per location and kind).
      const swatch = document.querySelector('.series-key[data-method="' + kind + '"][data-location="' + location + '"] .key');
      if (swatch && !banded[k]) swatch.style.background = line;
    });
    const options = {
      width: Math.max(280, element.clientWidth),
      height: 320,
      plugins: [bandPlugin(keys, banded), lossPlugin(keys, banded, data.columns), eventsPlugin(events)],
      scales: { x: { time: true, range: () => [from, to] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: color('--muted'), grid: { stroke: color('--line') } },
        { stroke: color('--muted'), grid: { stroke: color('--line') }, size: 70, values: (u, vals) => vals.map((v) => v + ' ms') },
      ],
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      series,
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) {
              readout.textContent = '';
              return;
            }
            const when = new Date(data.ts[i] * 1000).toISOString().replace('T', ' ').slice(0, 19);
            const parts = [];
            for (const key of keys) {
              const [kind, location] = key.split('@');
              const c = data.columns[key];
              if (c.sent[i] === null) continue;
              const name = (locations.length > 1 ? location + ' ' : '') + (kinds.length > 1 ? kindStyle[kind].label : '');
              parts.push((name.trim() ? name.trim() + ': ' : '') + 'min ' + fmtMs(c.min[i]) +
                ', median ' + fmtMs(c.median[i]) + ', max ' + fmtMs(c.max[i]) + ', loss ' + fmtLoss(c.loss[i]) +
                ' (' + c.received[i] + '/' + c.sent[i] + (c.refused[i] ? ', ' + c.refused[i] + ' refused' : '') + ')');
            }
            readout.textContent = when + ' UTC — ' + parts.join('; ');
          },
        ],
      },
    };
    const plot = new window.uPlot(options, columns, element);
    element.appendChild(readout);
    return plot;
  }

  document.addEventListener('DOMContentLoaded', () => {
    const element = document.getElementById('chart');
    if (!element || !window.uPlot) return;
    let plot = null;
    const redraw = async () => {
      try {
        plot = await draw(element, plot);
        element.setAttribute('data-drawn', 'true');
      } catch (error) {
        element.setAttribute('data-error', String(error));
      }
    };
    redraw();
    const seconds = Number(element.getAttribute('data-refresh')) || 60;
    window.setInterval(() => { if (!document.hidden) redraw(); }, Math.max(5, seconds) * 1000);
    window.addEventListener('resize', () => {
      if (plot) plot.setSize({ width: Math.max(280, element.clientWidth), height: 320 });
    });
  });
})();
