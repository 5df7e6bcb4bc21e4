/**
 * crossmargin's library API: load a portfolio and a market, compute a margin with a model. The CLI is built on
 * exactly these functions. Lower layers (instruments, market, pricing, kernels) are exported for advanced use.
 */
export { computeMargin, computeMargins, type PortfolioInput, type ComputeMarginsOptions } from './models/compute-margin.js';
export { computeBookMargins, type BookMargins, type ComputeBookMarginsOptions } from './models/compute-book-margins.js';
export { MODELS, getModel } from './models/model-registry.js';
export { computeAgreementMargin, type ComputeAgreementMarginOptions, type MarginPair } from './agreement/compute-agreement-margin.js';
export { AgreementSchema, parseAgreement, type Agreement } from './agreement/agreement-schema.js';
export { loadSpanFile } from './models/span/load-span-file.js';
export { SpanFileSchema, type SpanFile } from './models/span/span-file-schema.js';
export { importSpanFile, detectSpanFormat, type SpanImport, type SpanImportReport, type SpanUnmappedItem } from './models/span/import/import-span-file.js';
export type { MarginModel, CompiledModel, ModelContext, ParameterDoc } from './models/margin-model.js';
export { modelParameterDocs, parameterDocs } from './models/parameter-docs.js';
export { MarginResultSchema, type MarginResult, type MarginComponent, type ScenarioRef } from './models/margin-result.js';
export { resolvePortfolio, loadPortfolio, type ResolvedPortfolio, type ResolvedPosition } from './portfolio/resolve-portfolio.js';
export { PortfolioFileSchema, type PortfolioFile, type PortfolioFileInput } from './portfolio/portfolio-schema.js';
export { buildBook, type Book, type BookEntry } from './portfolio/book.js';
export { aggregateKernel } from './portfolio/aggregate-kernel.js';
export { compileRevaluation } from './revaluation/compile-revaluation.js';
export { revalueKernel } from './revaluation/revalue-kernel.js';
export { revalueKernelFast, revaluationScratchLength } from './revaluation/revalue-kernel-fast.js';
export type { RevaluationPlan } from './revaluation/revaluation-plan.js';
export { buildPriceVolGrid, type PriceVolGridSpec, type UnderlyingGrid } from './scenarios/price-vol-grid.js';
export type { ScenarioSet, VolShiftMode } from './scenarios/scenario-set.js';
export * from './risk/index.js';
export { priceInstrument, type PriceResult } from './pricing/instrument-pricer.js';
export * from './pricing/index.js';
export * from './market/index.js';
export * from './instruments/index.js';
export * from './core/index.js';
export * from './engine/account/index.js';
export { loadMarketHistory } from './scenarios/history/load-market-history.js';
export type { MarketHistory } from './scenarios/history/market-history.js';
export * from './engine/liquidation/index.js';
