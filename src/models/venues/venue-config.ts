import { z } from 'zod';

/**
 * Venue parameters are dated configuration (crypto-venues.md, preamble: "values carry their date and belong in
 * versioned configuration"). Every venue parameter file carries when its values were observed and where from.
 */
export const venueConfigFields = (defaultAsOf: string, defaultSource: string) => ({
  asOf: z.string().min(1).default(defaultAsOf).meta({ description: 'date the values were published or observed (ISO date); echoed in details.venueParams' }),
  source: z.string().min(1).default(defaultSource).meta({ description: 'where the values come from (document section, URL, repository file)' }),
});

/** A fraction of notional (0..1 inclusive). */
export const fraction = z.number().finite().min(0).max(1);
