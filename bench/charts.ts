/**
 * The report's pictures: SVG drawn here, rendered to PNG by resvg (WebAssembly, from npm)
 * with the DejaVu Sans font of the machine (Debian's fonts-dejavu-core). Written beside
 * REPORT.md by `deno task bench`.
 */
// deno-lint-ignore-file no-explicit-any
import { initWasm, Resvg } from "@resvg/resvg-wasm";

type Series = { name: string; color: string; points: [number, number][]; labels?: string[] };

interface Plot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xMax: number;
  /** A logarithmic x axis from this value (else linear from 0). */
  xLogMin?: number;
  yMax: number;
  xTicks: number[];
  yTicks: number[];
  /** Category labels for x ticks (else the numbers). */
  xTickLabels?: string[];
  yFormat?: (y: number) => string;
  note?: string;
}

const W = 960, H = 540, L = 80, R = 30, T = 84, B = 70;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function svgOf(p: Plot): string {
  const x = p.xLogMin
    ? (v: number) =>
      L +
      (Math.log(Math.max(v, p.xLogMin!)) - Math.log(p.xLogMin!)) /
        (Math.log(p.xMax) - Math.log(p.xLogMin!)) * (W - L - R)
    : (v: number) => L + (v / p.xMax) * (W - L - R);
  const y = (v: number) => H - B - (v / p.yMax) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="32" font-size="20" text-anchor="middle">${esc(p.title)}</text>`,
  ];
  for (const [i, t] of p.yTicks.entries()) {
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}" stroke="#e3e3e3"/>`,
      `<text x="${L - 8}" y="${y(t) + 5}" font-size="13" text-anchor="end">${
        esc(p.yFormat ? p.yFormat(t) : String(t))
      }</text>`,
    );
    void i;
  }
  for (const [i, t] of p.xTicks.entries()) {
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${T}" y2="${H - B}" stroke="#f0f0f0"/>`,
      `<text x="${x(t)}" y="${H - B + 20}" font-size="13" text-anchor="middle">${
        esc(p.xTickLabels?.[i] ?? String(t))
      }</text>`,
    );
  }
  out.push(
    `<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 22}" font-size="15" text-anchor="middle">${
      esc(p.xLabel)
    }</text>`,
    `<text x="20" y="${
      (T + H - B) / 2
    }" font-size="15" text-anchor="middle" transform="rotate(-90 20 ${(T + H - B) / 2})">${
      esc(p.yLabel)
    }</text>`,
  );
  for (const s of p.series) {
    const pts = s.points.filter(([a, b]) => a <= p.xMax && b <= p.yMax * 1.05);
    if (pts.length === 0) continue;
    const d = pts.map(([a, b], i) => `${i ? "L" : "M"}${x(a).toFixed(1)},${y(b).toFixed(1)}`);
    out.push(`<path d="${d.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    if (s.labels) {
      for (const [i, [a, b]] of s.points.entries()) {
        out.push(
          `<circle cx="${x(a)}" cy="${y(b)}" r="4.5" fill="${s.color}"/>`,
          i === s.points.length - 1 && x(a) > W * 0.8
            ? `<text x="${x(a) - 7}" y="${
              y(b) - 10
            }" font-size="12" fill="${s.color}" text-anchor="end">${esc(s.labels[i] ?? "")}</text>`
            : `<text x="${x(a) + 7}" y="${y(b) - 8}" font-size="12" fill="${s.color}">${
              esc(s.labels[i] ?? "")
            }</text>`,
        );
      }
    }
  }
  // Legend: one row between the title and the plot.
  let lx = L;
  for (const s of p.series) {
    out.push(
      `<rect x="${lx}" y="${T - 22}" width="18" height="4" fill="${s.color}"/>`,
      `<text x="${lx + 24}" y="${T - 16}" font-size="14">${esc(s.name)}</text>`,
    );
    lx += 40 + s.name.length * 7.6;
  }
  if (p.note) {
    out.push(`<text x="${L}" y="${H - 4}" font-size="12" fill="#555">${esc(p.note)}</text>`);
  }
  out.push("</svg>");
  return out.join("\n");
}

/** Cumulative distribution: [ms, percent of requests at or below]. */
function cdf(samples: number[]): [number, number][] {
  const s = [...samples].sort((a, b) => a - b);
  return s.map((v, i) => [v, ((i + 1) / s.length) * 100]);
}

function niceStep(max: number, ticks = 8): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

function range(max: number): number[] {
  const step = niceStep(max);
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

export function latencyPlot(r: any): Plot {
  const z = r.latency_0ms;
  const series: Series[] = [
    { name: "floor: raw ccxt", color: "#2a9d8f", points: cdf(z.samples.floor) },
    {
      name: "this product (HTTP, JWT, 2 SQL calls)",
      color: "#1d4ed8",
      points: cdf(z.samples.product),
    },
    {
      name: "original design (Node service, mutex)",
      color: "#d62828",
      points: cdf(z.original.per_order_samples),
    },
  ];
  const p99s = series.map((s) => s.points[Math.floor(s.points.length * 0.99) - 1]?.[0] ?? 1);
  const steps = [0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
  const lowest = Math.min(...series.map((s) => s.points[0]?.[0] ?? 1));
  const xLogMin = [...steps].reverse().find((t) => t <= lowest) ?? 0.2;
  const xMax = steps.find((t) => t >= Math.max(...p99s) * 1.3) ?? 1000;
  return {
    title: "create-order latency, warm, one trader (cumulative)",
    xLabel: "milliseconds per order (logarithmic; cut past 1.3 × the slowest p99)",
    yLabel: "orders answered within (%)",
    series,
    xMax,
    xLogMin,
    yMax: 100,
    xTicks: steps.filter((t) => t >= xLogMin && t <= xMax),
    yTicks: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    note: `${z.samples.product.length} orders each, simulator on loopback, same run (${r.date})`,
  };
}

export function throughputPlot(r: any): Plot {
  const z = r.latency_0ms;
  const levels: number[] = z.throughput.map((t: any) => t.users);
  const pos = (users: number) => levels.indexOf(users) + 1;
  const mk = (list: any[], name: string, color: string): Series => ({
    name,
    color,
    points: list.filter((t) => pos(t.users) > 0).map((t) => [pos(t.users), t.orders_per_second]),
    labels: list.filter((t) => pos(t.users) > 0).map((t) =>
      `${t.orders_per_second}/s, p50 ${Math.round(t.median)} ms`
    ),
  });
  const series = [
    mk(z.throughput, "this product (distinct traders)", "#1d4ed8"),
    mk(z.original.throughput, "original design", "#d62828"),
  ];
  const yMax = niceStep(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.2) *
    Math.ceil(
      Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.2 /
        niceStep(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.2),
    );
  return {
    title: "create-order throughput against concurrent traders",
    xLabel: "concurrent traders (each its own user and Binance account)",
    yLabel: "orders per second",
    series,
    xMax: levels.length + 0.5,
    yMax,
    xTicks: levels.map((_, i) => i + 1),
    xTickLabels: levels.map(String),
    yTicks: range(yMax),
    note: `${r.machine.cores} shared cores; every process on this machine (${r.date})`,
  };
}

async function fontBuffer(): Promise<Uint8Array | undefined> {
  for (
    const f of [
      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
      "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ]
  ) {
    try {
      return await Deno.readFile(f);
    } catch {
      // next
    }
  }
  return undefined;
}

let ready: Promise<void> | undefined;

/** resvg's WebAssembly from the package's folder in Deno's npm cache. */
function init(): Promise<void> {
  ready ??= (async () => {
    const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
    const { npmCache } = JSON.parse(new TextDecoder().decode(out.stdout));
    const version = "2.6.2";
    await initWasm(
      await Deno.readFile(
        `${npmCache}/registry.npmjs.org/@resvg/resvg-wasm/${version}/index_bg.wasm`,
      ),
    );
  })();
  return ready;
}

export async function renderPng(svg: string): Promise<Uint8Array> {
  await init();
  const font = await fontBuffer();
  const resvg = new Resvg(svg, {
    font: {
      fontBuffers: font ? [font] : [],
      defaultFontFamily: "DejaVu Sans",
      loadSystemFonts: false,
    },
  });
  return resvg.render().asPng();
}

/** Writes latency.png and throughput.png into `dir`; returns their names. */
export async function writeCharts(report: any, dir: string): Promise<string[]> {
  const files: [string, Plot][] = [
    ["latency.png", latencyPlot(report)],
    ["throughput.png", throughputPlot(report)],
  ];
  for (const [name, plot] of files) {
    await Deno.writeFile(`${dir}${name}`, await renderPng(svgOf(plot)));
  }
  return files.map(([name]) => name);
}

// `deno run -A bench/charts.ts`: redraw from bench/report.json.
if (import.meta.main) {
  const dir = new URL("./", import.meta.url).pathname;
  const report = JSON.parse(await Deno.readTextFile(`${dir}report.json`));
  console.log(await writeCharts(report, dir));
}
