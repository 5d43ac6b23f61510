// A stacked column chart in SVG: one column per day, one pattern and colour
// per series, with a text legend, so it reads without colour too.

const SVG = "http://www.w3.org/2000/svg";
const PATTERNS = ["solid", "stripes", "dots", "cross", "waves", "grid"];

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function pattern(index) {
  const id = `series-${index}`;
  const kind = PATTERNS[index % PATTERNS.length];
  const shapes = {
    solid: [],
    stripes: [svg("path", { d: "M0,8 L8,0", class: "ink" })],
    dots: [svg("circle", { cx: 4, cy: 4, r: 1.6, class: "ink dot" })],
    cross: [svg("path", { d: "M0,0 L8,8 M8,0 L0,8", class: "ink" })],
    waves: [svg("path", { d: "M0,4 Q2,0 4,4 T8,4", class: "ink" })],
    grid: [svg("path", { d: "M4,0 V8 M0,4 H8", class: "ink" })],
  }[kind];
  return svg("pattern", { id, width: 8, height: 8, patternUnits: "userSpaceOnUse" },
    svg("rect", { width: 8, height: 8, class: `s${index % PATTERNS.length}` }), ...shapes);
}

/** days: sorted "YYYY-MM-DD"; series: names; counts: Map day → {series: count}. */
export function breachChart(days, series, counts) {
  const totals = days.map((d) => series.reduce((n, s) => n + counts.get(d)[s], 0));
  const max = Math.max(...totals, 1);
  const column = 22;
  const width = Math.max(days.length * column + 50, 300);
  const height = 180;
  const scale = (n) => (n / max) * (height - 40);
  const columns = days.map((day, i) => {
    let y = height - 20;
    const parts = series.map((name, s) => {
      const h = scale(counts.get(day)[name]);
      y -= h;
      return h ? svg("rect", { x: 40 + i * column, y, width: column - 4, height: h,
        fill: `url(#series-${s})`, class: "segment" },
      svg("title", {}, `${day}: ${counts.get(day)[name]} ${name}`)) : null;
    }).filter(Boolean);
    const label = i % Math.ceil(days.length / 10) === 0
      ? [svg("text", { x: 40 + i * column, y: height - 4, class: "axis-label" }, day.slice(5))] : [];
    return svg("g", {}, ...parts, ...label);
  });
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": `SLA breaches per day, ${days[0]} to ${days[days.length - 1]}, at most ${max} a day` },
  svg("defs", {}, ...series.map((_, i) => pattern(i))),
  svg("text", { x: 0, y: 12, class: "axis-label" }, String(max)),
  svg("text", { x: 0, y: height - 22, class: "axis-label" }, "0"),
  svg("line", { x1: 36, x2: width, y1: height - 20, y2: height - 20, class: "baseline" }),
  ...columns);
  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((name, i) => {
    const item = document.createElement("li");
    const swatch = svg("svg", { width: 16, height: 16, "aria-hidden": "true" },
      svg("rect", { width: 16, height: 16, fill: `url(#series-${i})` }));
    item.append(swatch, ` ${name} (${PATTERNS[i % PATTERNS.length]})`);
    legend.append(item);
  });
  const wrap = document.createElement("div");
  wrap.className = "scroll";
  wrap.append(chart);
  return [wrap, legend];
}
