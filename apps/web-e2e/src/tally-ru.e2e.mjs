/**
 * The quota flow of tally.e2e.mjs in Russian, on a stack of its own: the
 * user's browser prefers Russian, the admin switches to it by hand.
 * Screenshots (`*-ru.png`) land where support/stack.mjs says (SCREENSHOTS).
 */
import { quotaFlow } from './support/quota-flow.mjs';
import { stackWithPages } from './support/sessions.mjs';

const run = stackWithPages('tally-ru', {});

quotaFlow('ru', () => run.stack);
