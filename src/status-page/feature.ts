import type { FeatureDefinition } from '../features/types.js';
import { type PageSource, statusRoutes } from './routes.js';
import { ClosedDays } from './uptime-days.js';

/**
 * The status page: component states, incidents, maintenance and uptime for the people who use the
 * stack, at `/status` (and `.json`, an Atom feed, SVG badges). It only reads: check states, rollups,
 * incidents and maintenance windows written by the features before it.
 */
export const statusPageFeature: FeatureDefinition = {
  name: 'status-page',
  open({ stack, store, clock }) {
    if (!stack) return undefined;
    const source: PageSource = { config: stack.config };
    const open = stack.config.status_page?.public === true;
    return {
      rootRoutes: (app) => statusRoutes(app, { db: store.db, clock, source, open, closed: new ClosedDays() }),
      reload(next) {
        source.config = next.config;
        const now = next.config.status_page?.public === true;
        if (now === open) return undefined;
        return now
          ? 'status_page.public: true takes effect at the next restart; until then the page needs a viewer token'
          : 'status_page.public: false takes effect at the next restart; until then the page answers 404';
      },
    };
  },
};
