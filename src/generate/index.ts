/**
 * Entry point of the synthetic-data generator: a country's reference data (GSMA TAC catalogue
 * and the DOMAIN §3 lists), its operator observation files with a truth file of injected
 * anomalies, and fast bulk writers for benchmarks. Same seed and options → byte-identical files.
 */
export { Rng, WeightedTable, Permutation } from './prng.ts';
export {
  buildCatalogue, writeCatalogue, catalogueLines, inReservedRange, testTac, unallocatedTac,
  GSMA_HEADER_MODERN, GSMA_HEADER_LEGACY, NOT_KNOWN,
  type Catalogue, type CatalogueModel, type CatalogueTac, type HeaderGeneration,
} from './catalogue.ts';
export { buildWorld, type World, type Device, type Subscriber, type WorldOptions } from './world.ts';
export {
  LIST_HEADERS, LIST_NAMES, referenceLists, registrationEntries, stolenEntries, pairedSubscribers, barredTacList, referenceBlocking,
  isRegisteredStatus, isStolenStatus, type ListName, type RegistrationEntry, type StolenEntry, type BlockedBy,
} from './reference-lists.ts';
export { generateRegistrationListFile, type BulkResult } from './bulk-registration.ts';
export { DEVICE_TYPES, type DeviceType } from './makers.ts';
export {
  generateReference, referenceFileName,
  type ReferenceFile, type GenerateReferenceOptions, type GeneratedReference,
} from './reference.ts';
export {
  generateCountry, generateObservations, observationHeader, observationFileName, countryPeriod, dayOfCompact,
  OBSERVATION_HEADER, TRUTH_HEADER, CELLS_HEADER, DEFAULT_DAYS,
  type GenerateCountryOptions, type GeneratedCountry, type GeneratedObservations, type ObservationFile, type ObservationOptions,
} from './observations.ts';
export {
  planObservations, modelSvns, nonParticipatingPrefixes,
  ANOMALY_LABELS, LEGIT_LABELS, TRUTH_LABELS, ANOMALY_WEIGHTS, LEGIT_RATES, DEFAULT_ANOMALY_RATE, CLONE_MIN_KM,
  type AnomalyLabel, type InjectedLabel, type LegitLabel, type TruthLabel, type TruthRow, type ObservationPlan,
} from './observation-plan.ts';
export { RAT_CODES, RAT_GENERATION, capabilityAllows, ratTable } from './rat.ts';
export { buildGeography, distanceKm, type Geography, type City } from './geo.ts';
export { generateObservationFile, type BulkObservationOptions, type BulkObservationResult } from './bulk-observations.ts';
