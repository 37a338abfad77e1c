// The inspector as a library: make real calls through a tap and get back what crossed the wire,
// decoded; `wirebench inspect`, `wirebench report` and shootout phases all call this.

export {
  type DecodedMessage,
  decodeBookFromWire,
  decodeMessage,
  hexDump,
  toDomainBook,
} from './decode.ts';
export {
  findOperation,
  OPERATION_NAMES,
  OPERATIONS,
  type Operation,
  type OperationName,
} from './operations.ts';
export { renderCompare, renderReport } from './render-text.ts';
export {
  toWireSample,
  WIRE_SAMPLE_SCHEMA,
  type WireSample,
  type WireSampleCall,
  type WireSampleLayers,
  type WireSampleLine,
  type WireSampleVariant,
} from './sample.ts';
export {
  buildConnections,
  type CompareRow,
  compareVariants,
  type InspectReport,
  inspectCall,
  inspectVariant,
  listedBytes,
  type ReportConnection,
  type ReportItem,
  type ReportMessage,
} from './transcript.ts';
