import type { Kysely } from 'kysely';
import type { StackConfig } from '../config/schema.js';
import { HistoryRuleSeries } from '../history/rule-series.js';
import type { Logger } from '../log/logger.js';
import { evaluateRule, type RuleSeries } from '../rules/evaluate.js';
import { referencesOf } from '../rules/parse.js';
import type { Database } from '../store/schema.js';
import { openFor } from './recovery.js';
import { routeTo, severityOr } from './routing.js';
import type { AlertOrigin, AlertRecord, DesiredAlert } from './types.js';

type RuleConfig = StackConfig['rules'][string];

/**
 * Alerts from `rules:`, evaluated every `alerting.evaluate_every` (the engine asks more often and gets
 * the last answers). A rule that cannot be evaluated keeps its last answer, so a store hiccup neither
 * fires nor resolves anything.
 */
export class RuleAlertOrigin implements AlertOrigin {
  readonly prefix = 'rule:';
  readonly #rules: Array<[string, RuleConfig]>;
  readonly #config: StackConfig;
  readonly #data: RuleSeries;
  readonly #logger: Logger;
  readonly #everyMs: number;
  #evaluatedAt = Number.NEGATIVE_INFINITY;
  #answers = new Map<string, DesiredAlert | undefined>();
  /** Each rule's last values when it did not hold, for the line its resolve carries. */
  #cleared = new Map<string, string>();

  constructor(config: StackConfig, db: Kysely<Database>, logger: Logger, data?: RuleSeries) {
    this.#config = config;
    this.#rules = Object.entries(config.rules);
    this.#data = data ?? new HistoryRuleSeries(db);
    this.#logger = logger;
    this.#everyMs = config.alerting.evaluate_every;
  }

  async desired(now: number): Promise<DesiredAlert[]> {
    if (this.#rules.length > 0 && now - this.#evaluatedAt >= this.#everyMs) {
      this.#evaluatedAt = now;
      await Promise.all(this.#rules.map(([name, rule]) => this.#evaluate(name, rule, now)));
    }
    return [...this.#answers.values()].filter((d): d is DesiredAlert => d !== undefined);
  }

  async #evaluate(name: string, rule: RuleConfig, now: number): Promise<void> {
    try {
      const verdict = await evaluateRule(rule.when.expr, this.#data, now);
      if (verdict.holds) this.#cleared.delete(name);
      else this.#cleared.set(name, verdict.summary);
      this.#answers.set(
        name,
        verdict.holds ? this.#alert(name, rule, verdict.summary, verdict.value) : undefined,
      );
    } catch (error) {
      this.#logger.warn(
        { err: error, rule: name },
        `rule ${name} could not be evaluated; its last answer stands`,
      );
    }
  }

  /** `api-slow no longer holds after 12m: p95(backend.health.latency, 5m) = 420 ms`. */
  async recovery(alert: AlertRecord, now: number): Promise<string | undefined> {
    const name = alert.rule ?? alert.name;
    const rule = this.#rules.find(([n]) => n === name)?.[1];
    const took = openFor(alert, now);
    if (!rule) return `${name} is no longer in the stack file (after ${took})`;
    const values = this.#cleared.get(name);
    return `${rule.when.text} no longer holds after ${took}${values ? `: ${values}` : ''}`;
  }

  #alert(
    name: string,
    rule: RuleConfig,
    summary: string,
    value: DesiredAlert['value'] | boolean,
  ): DesiredAlert {
    const severity = rule.severity ?? severityOr(this.#config, 'medium', 'least');
    const services = [...new Set(referencesOf(rule.when.expr).map((r) => r.check.split('.')[0] as string))];
    const service = services.length === 1 ? services[0] : undefined;
    return {
      key: `rule:${name}`,
      origin: 'rule',
      name,
      severity,
      rule: name,
      ...(service ? { service } : {}),
      summary: `${rule.when.text}: ${summary}`,
      value: typeof value === 'boolean' ? String(value) : value,
      labels: { ...rule.labels, rule: name, severity, origin: 'rule', ...(service ? { service } : {}) },
      notify: routeTo(this.#config, rule.notify, severity),
      forMs: rule.for ?? 0,
      repeatMs: rule.repeat ?? this.#config.alerting.repeat,
    };
  }
}
