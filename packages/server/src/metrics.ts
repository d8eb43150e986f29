import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Hallway's Prometheus metrics, one registry per app so tests can build several apps. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hallway_" });
  return {
    registry,
    httpRequests: new Histogram({
      name: "hallway_http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    messagesWritten: new Counter({
      name: "hallway_messages_written_total",
      help: "Messages committed by the batched writer",
      registers: [registry],
    }),
    writerBatches: new Histogram({
      name: "hallway_writer_batch_size",
      help: "Messages per batched-writer transaction",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    writerCommits: new Histogram({
      name: "hallway_writer_commit_seconds",
      help: "Batched-writer statement time, from taking a connection to its commit",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
