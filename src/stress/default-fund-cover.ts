import type { StressReport } from './evaluate-stress.js';

/** One Cover-k figure: the amount, the scenario that set it and the members whose losses make it up. */
export interface CoverFigure {
  /** Account currency of the members (mixed currencies are summed as given; the CLI warns). */
  readonly amount: number;
  /** Scenario id that gives the largest amount; undefined when no scenario leaves any loss beyond margin. */
  readonly scenario: string | undefined;
  readonly members: readonly { readonly account: string; readonly lossBeyondMargin: number }[];
}

export interface DefaultFundCover {
  readonly cover1: CoverFigure;
  readonly cover2: CoverFigure;
  /** Per scenario: its Cover-1 and Cover-2 amounts (largest and two largest losses beyond margin). */
  readonly byScenario: readonly { readonly scenario: string; readonly cover1: number; readonly cover2: number }[];
}

/**
 * Default-fund cover over the scenario library (CPMI-IOSCO PFMI Principle 4, "Cover 1"/"Cover 2"; EMIR RTS 153/2013
 * Art. 29): a member's uncovered loss in a scenario is max(0, loss − initial margin). Per scenario, Cover-1 is the
 * largest member's uncovered loss and Cover-2 the sum of the two largest; the reported Cover-1 / Cover-2 is the
 * largest over scenarios (each may come from a different scenario). Members are accounts. Cover-2 ≥ Cover-1 ≥ 0.
 */
export function defaultFundCover(report: StressReport): DefaultFundCover {
  const byScenario = report.scenarios.map((sc, s) => {
    const ranked = report.accounts
      .map((a) => ({ account: a.account, lossBeyondMargin: a.outcomes[s]!.lossBeyondMargin }))
      .filter((m) => m.lossBeyondMargin > 0)
      .sort((x, y) => y.lossBeyondMargin - x.lossBeyondMargin);
    return { scenario: sc.id, ranked };
  });
  const figure = (k: 1 | 2): CoverFigure => {
    let best: CoverFigure = { amount: 0, scenario: undefined, members: [] };
    for (const { scenario, ranked } of byScenario) {
      const members = ranked.slice(0, k);
      const amount = members.reduce((sum, m) => sum + m.lossBeyondMargin, 0);
      if (amount > best.amount) best = { amount, scenario, members };
    }
    return best;
  };
  return {
    cover1: figure(1),
    cover2: figure(2),
    byScenario: byScenario.map(({ scenario, ranked }) => ({
      scenario,
      cover1: ranked[0]?.lossBeyondMargin ?? 0,
      cover2: (ranked[0]?.lossBeyondMargin ?? 0) + (ranked[1]?.lossBeyondMargin ?? 0),
    })),
  };
}
