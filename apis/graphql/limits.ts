// Query-shape defences (graphql-armor depth, alias and cost limits). Armor reports a rejection
// as an ordinary validation error, which GraphQL over HTTP answers with 200 for
// application/json; here each rejection is re-reported as a 400 with a plain message.

import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface GraphQLLimits {
  /** Deepest field nesting; the nested read authors.edges.node.books.reviews.id is 6. */
  maxDepth: number;
  /** Aliased fields per operation. */
  maxAliases: number;
  /**
   * Armor's cost estimate (objects 2, scalars 1, x1.5 per level, times a literal first/last).
   * The 20-author nested read costs about 1,800; the largest legitimate page (100 authors,
   * every field, 20 reviews per book) about 15,300.
   */
  maxCost: number;
}

export const DEFAULT_LIMITS: GraphQLLimits = { maxDepth: 8, maxAliases: 15, maxCost: 20_000 };

type LimitName = 'depth' | 'aliases' | 'cost';

function reportAsBadRequest(limit: LimitName) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    // Armor prefixes its messages with "Syntax Error:", which sends a reader to the wrong place.
    const message = error.message.replace(/^Syntax Error:\s*/, '');
    const rejection = new GraphQLError(message, {
      extensions: {
        code: 'GRAPHQL_VALIDATION_FAILED',
        limit,
        // spec: false keeps yoga from downgrading this to 200 for application/json clients.
        http: { status: 400, spec: false },
      },
    });
    if (context) context.reportError(rejection);
    else throw rejection;
  };
}

export function useQueryLimits(limits: GraphQLLimits): Plugin[] {
  // propagateOnRejection: false, because the default throws out of validate(), which skips
  // the remaining rules and yoga's HTTP status handling; reportError goes through both.
  const common = { propagateOnRejection: false, exposeLimits: true } as const;
  return [
    maxDepthPlugin({ ...common, n: limits.maxDepth, onReject: [reportAsBadRequest('depth')] }),
    maxAliasesPlugin({
      ...common,
      n: limits.maxAliases,
      onReject: [reportAsBadRequest('aliases')],
    }),
    costLimitPlugin({
      ...common,
      maxCost: limits.maxCost,
      onReject: [reportAsBadRequest('cost')],
    }),
  ] as Plugin[];
}
