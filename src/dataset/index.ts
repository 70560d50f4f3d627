export {
  CATEGORY_COUNT,
  CATEGORY_SELECTIVITY,
  MAX_ROWS,
  TS_EPOCH_MS,
  createDataset,
  type Dataset,
  type DatasetParams,
  type RowFormula,
  type RowScalars,
} from './generator.ts';
export { listProfiles, profileSpec, type ProfileSpec } from './profiles.ts';
export {
  BinWriter,
  binKindOf,
  readBinHeader,
  readBinRows,
  readGroundTruth,
  writeGroundTruth,
  type BinHeader,
  type BinKind,
  type GroundTruth,
} from './bin-format.ts';
export { churnPlan, type ChurnOp, type ChurnParams } from './churn.ts';
