import { utcAsOf } from '../format.js';

/**
 * What a panel was computed on: the market's as-of and the model. Panels load at different moments (the cards follow
 * the stream, the profile and the model table load once), so during a replay they can sit on different snapshots;
 * one on an older snapshot than the account's margin says so, instead of disagreeing without a reason.
 */
export function PanelBasis({ asOf, model, accountAsOf, testId }: { asOf: string | undefined; model: string | undefined; accountAsOf: string | undefined; testId: string }) {
  if (asOf === undefined) return null;
  const older = accountAsOf !== undefined && Date.parse(asOf) < Date.parse(accountAsOf);
  return (
    <p className={older ? 'muted panel-basis older' : 'muted panel-basis'} data-testid={testId} data-older={older ? 'true' : 'false'}>
      As of {utcAsOf(asOf)}
      {model === undefined ? '' : `, model ${model}`}
      {older ? ` — an older market than the account's margin (as of ${utcAsOf(accountAsOf)})` : ''}
    </p>
  );
}
