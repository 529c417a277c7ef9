import { coerceError, DayshiftError } from '../errors.js';
import type { JobKind } from '../jobs/kinds.js';
import type { Feature, FeatureContext, FeatureDefinition, FeatureSchedule, StackContext } from './types.js';

/** One feature opened on this node, with the name of its definition. */
export interface OpenedFeature {
  readonly name: string;
  readonly feature: Feature<unknown>;
}

/**
 * The features of one node, opened in the order of the runtime's list: each may `use` those before
 * it. They start in that order and stop in the reverse one, so a feature stops before those it uses.
 */
export class OpenFeatures {
  /** Every feature that is on for this node, in list order. */
  readonly opened: readonly OpenedFeature[];
  readonly #byDefinition: ReadonlyMap<FeatureDefinition<unknown>, Feature<unknown> | undefined>;
  /** How many features, from the first, have started and not stopped. */
  #started = 0;

  constructor(
    opened: readonly OpenedFeature[],
    byDefinition: ReadonlyMap<FeatureDefinition<unknown>, Feature<unknown> | undefined>,
  ) {
    this.opened = opened;
    this.#byDefinition = byDefinition;
  }

  /** What a listed feature exposes; undefined when it is off on this node. */
  use<Api>(definition: FeatureDefinition<Api>): Api | undefined {
    return this.#byDefinition.get(definition)?.api as Api | undefined;
  }

  get features(): Feature<unknown>[] {
    return this.opened.map((o) => o.feature);
  }

  /** Every feature's job kinds, in list order. */
  get jobKinds(): JobKind[] {
    return this.opened.flatMap((o) => o.feature.jobKinds ?? []);
  }

  /** Every feature's schedules, in list order. */
  get schedules(): FeatureSchedule[] {
    return this.opened.flatMap((o) => o.feature.schedules ?? []);
  }

  /**
   * Starts each feature in list order. When one fails its error is thrown and the features started
   * before it stay started: `stop()` stops exactly those, so the caller stops the node as a whole.
   */
  async start(): Promise<void> {
    for (const { feature } of this.opened.slice(this.#started)) {
      await feature.start?.();
      this.#started++;
    }
  }

  /**
   * Hands a reloaded stack file to the started features, in list order. Returns what each said changed
   * and the names of those that cannot reload, which keep the file they opened with until a restart.
   * A feature that fails to reload is an error for the caller; those before it have taken the file.
   */
  async reload(stack: StackContext): Promise<{ changes: string[]; keptUntilRestart: string[] }> {
    const changes: string[] = [];
    const keptUntilRestart: string[] = [];
    for (const { name, feature } of this.opened.slice(0, this.#started)) {
      if (!feature.reload) {
        keptUntilRestart.push(name);
        continue;
      }
      const said = await feature.reload(stack);
      if (said) changes.push(said);
    }
    return { changes, keptUntilRestart };
  }

  /**
   * Stops the started features in reverse order. One that fails to stop does not keep the others
   * from stopping; the failures are returned, named by feature, for the caller to report.
   */
  async stop(): Promise<Error[]> {
    const failures: Error[] = [];
    while (this.#started > 0) {
      this.#started--;
      const { name, feature } = this.opened[this.#started] as OpenedFeature;
      try {
        await feature.stop?.();
      } catch (error) {
        failures.push(
          new DayshiftError(
            'INTERNAL',
            `the ${name} feature did not stop cleanly: ${coerceError(error).message}`,
            {
              cause: error,
            },
          ),
        );
      }
    }
    return failures;
  }
}

/**
 * Opens the listed features for one node, in order. Refuses a list that could be misread: two
 * features of one name, a feature that uses one not listed before it, two that declare the same job
 * kind or schedule.
 */
export function openFeatures(
  definitions: readonly FeatureDefinition<unknown>[],
  base: Omit<FeatureContext, 'use'>,
): OpenFeatures {
  const byDefinition = new Map<FeatureDefinition<unknown>, Feature<unknown> | undefined>();
  const opened: OpenedFeature[] = [];
  for (const definition of definitions) {
    if (definitions.some((other) => other !== definition && other.name === definition.name))
      throw listError(`two features are named "${definition.name}"`);
    const context: FeatureContext = {
      ...base,
      use: <Api>(used: FeatureDefinition<Api>): Api | undefined => {
        if (!byDefinition.has(used as FeatureDefinition<unknown>))
          throw listError(`the ${definition.name} feature uses ${used.name}, which is not listed before it`);
        return byDefinition.get(used as FeatureDefinition<unknown>)?.api as Api | undefined;
      },
    };
    const feature = definition.open(context);
    byDefinition.set(definition, feature);
    if (feature) opened.push({ name: definition.name, feature });
  }
  const features = new OpenFeatures(opened, byDefinition);
  refuseDuplicates(
    'job kind',
    opened.flatMap((o) => (o.feature.jobKinds ?? []).map((k) => [k.kind, o.name] as const)),
  );
  refuseDuplicates(
    'schedule',
    opened.flatMap((o) => (o.feature.schedules ?? []).map((s) => [s.name, o.name] as const)),
  );
  return features;
}

function refuseDuplicates(what: string, entries: ReadonlyArray<readonly [string, string]>): void {
  const owners = new Map<string, string>();
  for (const [name, owner] of entries) {
    const first = owners.get(name);
    if (first !== undefined)
      throw listError(`the ${what} "${name}" is declared by both the ${first} and the ${owner} feature`);
    owners.set(name, owner);
  }
}

function listError(message: string): DayshiftError {
  return new DayshiftError('INTERNAL', message, {
    hint: "fix the list of features in src/runtime/features.ts or the features' declarations",
  });
}
