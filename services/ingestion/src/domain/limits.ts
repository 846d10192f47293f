/** Bounds on event content. Sizes are UTF-8 bytes. Changing one is an API change: update README. */
export const Limits = {
  idMaxLength: 200,
  idPattern: /^[A-Za-z0-9._:-]+$/,
  idempotencyKeyMaxLength: 200,
  idempotencyKeyPattern: /^[\x21-\x7e]+$/,
  shortTextMaxBytes: 200, // modelVersion, segment, raterId, rubricVersion
  answerMaxBytes: 64 * 1024,
  promptMessageMaxBytes: 64 * 1024,
  promptMaxMessages: 100,
  promptMaxTotalBytes: 512 * 1024,
  commentMaxBytes: 8 * 1024,
  outcomeDetailMaxBytes: 4 * 1024,
  defaultStringMaxBytes: 64 * 1024,
  reasonCodesMax: 20,
  reasonCodePattern: /^[A-Za-z0-9._:-]{1,64}$/,
  criteriaMax: 32,
  criterionMaxBytes: 100,
  metadataMaxEntries: 32,
  metadataKeyPattern: /^[A-Za-z0-9._:-]{1,64}$/,
  metadataValueMaxBytes: 1024,
  turnIndexMax: 10_000,
  ratingBound: 1_000, // scale ends within [-bound, bound]
  amountMinorMax: 10n ** 15n,
  currencyPattern: /^[A-Z]{3}$/,
  /** occurredAt must lie in [minTime, maxTime). */
  minTimeMs: Date.UTC(2000, 0, 1),
  maxTimeMs: Date.UTC(2100, 0, 1),
} as const;
