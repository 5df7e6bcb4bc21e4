import { z } from 'zod';

/**
 * Venue parameters are dated configuration (crypto-venues.md, preamble: "values carry their date and belong in
 * versioned configuration"). Every venue parameter file carries when its values were observed and where from.
 */
export const venueConfigFields = (defaultAsOf: string, defaultSource: string) => ({
  /** Date the values were published or observed (ISO date). */
  asOf: z.string().min(1).default(defaultAsOf),
  /** Where the values come from (document section, URL, repository file). */
  source: z.string().min(1).default(defaultSource),
});

/** A fraction of notional (0..1 inclusive). */
export const fraction = z.number().finite().min(0).max(1);
