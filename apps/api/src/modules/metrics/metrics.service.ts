import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Histogram,
  Registry,
} from 'prom-client';

/** Prometheus metrics of this process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'tally_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'tally_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly quotaRejections = new Counter({
    name: 'tally_quota_rejections_total',
    help: 'Sends refused with 429, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly aiLatency = new Histogram({
    name: 'tally_ai_first_token_seconds',
    help: 'Time from sending to the AI provider until the first piece of the answer',
    labelNames: ['provider'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly aiDuration = new Histogram({
    name: 'tally_ai_answer_seconds',
    help: 'Time from sending to the AI provider until the answer ended, by outcome',
    labelNames: ['provider', 'status'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  readonly aiTokens = new Counter({
    name: 'tally_ai_tokens_total',
    help: 'Tokens used by AI answers, by kind (prompt, completion)',
    labelNames: ['provider', 'kind'] as const,
    registers: [this.registry],
  });

  readonly aiExcessTokens = new Counter({
    name: 'tally_ai_completion_excess_tokens_total',
    help: 'Completion tokens a provider reported beyond the output cap (not charged), by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly aiUsageOverHold = new Counter({
    name: 'tally_ai_usage_over_hold_total',
    help: 'Tokens a provider reported beyond what was held for them (not charged: the hold is), by kind (prompt, completion)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly aiCutAtCap = new Counter({
    name: 'tally_ai_answers_cut_at_cap_total',
    help: 'Answers cut at the output cap because the provider did not stop, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tally_' });
  }
}
