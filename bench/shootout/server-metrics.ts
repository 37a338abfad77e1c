// Reads a server's Prometheus endpoint (serve --metrics-port) before and after a window: store
// queries and the event-loop delay of that window (the server's delay histogram resets on each
// scrape). The text format needs only its plain `name value` lines here, so a full parser
// library would be more than the job.

export interface MetricsSnapshot {
  storeQueries: number;
  eventLoopDelayP99Ms: number;
  rssBytes: number;
  cpuSeconds: number;
}

function value(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

export async function scrapeMetrics(url: string): Promise<MetricsSnapshot> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const text = await res.text();
  return {
    storeQueries: value(text, 'wirebench_store_queries_total'),
    eventLoopDelayP99Ms: value(text, 'nodejs_eventloop_lag_p99_seconds') * 1_000,
    rssBytes: value(text, 'process_resident_memory_bytes'),
    cpuSeconds: value(text, 'process_cpu_seconds_total'),
  };
}
