/* global open, __ENV */
// The milvus-drill k6 script: fixed code driven by the config file named in DRILL_K6_CONFIG
// (rendered by ../render.ts) and k6 options passed with --config.
//
// Why gRPC rather than Milvus 2.3's REST v1: gRPC (milvus.proto.milvus.MilvusService) is what every
// official SDK speaks, so the latencies measured are the ones users' applications see, and it
// reaches everything we drive (Search, Insert, Upsert, Delete, Query, with consistency levels and
// search params), where REST v1 is a JSON translation layer with a narrower surface that re-encodes
// every float vector as JSON text. k6's gRPC client also records each call's duration and status
// as grpc_req_duration, tagged per call, with no extra code.
//
// Every operation emits drill_op (client-side duration, tagged op/phase/outcome/error_class) and
// drill_op_failed (a Rate: anything but ok). k6 metadata op_id ties drill_op to the call's
// grpc_req_duration sample, so ingestion can use k6's own timing; metadata is not a tag and adds
// no time series.
import grpc from 'k6/net/grpc';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { Rate, Trend } from 'k6/metrics';
import { batchFields, classifyCall, classifyThrown, encodeFloatPlaceholderGroup, phaseAt, readFbin } from './wire.ts';

const config = JSON.parse(open(__ENV.DRILL_K6_CONFIG));
const client = new grpc.Client();
// TLS files are named in the config; the credentials come in the environment only, never a file.
const tls = config.tls ? { cacerts: [open(config.tls.ca)], ...(config.tls.cert ? { cert: open(config.tls.cert), key: open(config.tls.key) } : {}) } : null;
const authMetadata = __ENV.DRILL_K6_AUTH ? { authorization: __ENV.DRILL_K6_AUTH } : {};
client.load([config.protoDir], 'milvus.proto');

const queryVectors = readFbin(open(config.queryVectorsFile, 'b'), config.dim, 'queryVectorsFile');
// Each stream's batches are parsed once and shared by every VU (each element is kept as JSON and
// parsed when read), so a stream's rows are held in memory once, not once per VU.
const streamBatches = Object.fromEntries(
  Object.entries(config.streams).map(([name, stream]) => [name, new SharedArray(`batches:${name}`, () => JSON.parse(open(stream.batchesFile)))]),
);

const opDuration = new Trend('drill_op', true);
const opFailed = new Rate('drill_op_failed');

const SERVICE = 'milvus.proto.milvus.MilvusService';
const MAX_ERROR_CHARS = 300;
// Dialling loopback succeeds or is refused at once; the bound only matters for a blackholed address.
const CONNECT_TIMEOUT = '10s';
let connected = false;
let callsInVu = 0;

function connect() {
  if (connected) return;
  client.connect(config.address, tls ? { plaintext: false, tls, timeout: CONNECT_TIMEOUT } : { plaintext: true, timeout: CONNECT_TIMEOUT });
  connected = true;
}

function consistencyFields() {
  return config.consistency === null
    ? { use_default_consistency: true }
    : { use_default_consistency: false, consistency_level: config.consistency };
}

/** Runs one call and records it; returns the response message when the call succeeded. */
function call(op, method, request, metadata) {
  const phase = phaseAt(config.phases, Date.now(), config.phases.length === 0 ? 'steady' : 'setup');
  const meta = exec.vu.metrics.metadata;
  meta.op_id = `${exec.vu.idInTest}-${callsInVu++}`;
  for (const [k, v] of Object.entries(metadata)) meta[k] = v;
  const started = Date.now();
  let result;
  let message;
  try {
    connect();
    const response = client.invoke(`${SERVICE}/${method}`, request, {
      timeout: `${config.timeoutMs}ms`,
      tags: { op, phase },
      metadata: authMetadata,
    });
    message = response.message;
    result = classifyCall({
      // k6 hands the status over as a wrapped Go codes.Code: an object whose valueOf is the number.
      grpcCode: Number(response.status),
      grpcMessage: response.error ? String(response.error.message) : '',
      milvusStatus: message ? message.status : undefined,
    });
  } catch (err) {
    // connect() throws only when the dial failed: nothing was sent. invoke() throwing is unexplained.
    result = classifyThrown(connected, String(err));
  }
  const elapsed = Date.now() - started;
  if (result.outcome === 'ok' && op === 'search' && config.recordSearchResults) Object.assign(meta, searchResultMeta(message));
  if (result.error) meta.error = result.error.slice(0, MAX_ERROR_CHARS);
  opDuration.add(elapsed, { op, phase, outcome: result.outcome, error_class: result.errorClass });
  opFailed.add(result.outcome !== 'ok', { op, phase });
  for (const k of Object.keys(meta)) delete meta[k];
}

function searchResultMeta(message) {
  const ids = message.results.ids && message.results.ids.intId ? message.results.ids.intId.data : [];
  return { ids: ids.join(','), scores: message.results.scores.join(',') };
}

export function search() {
  const queryIndex = exec.scenario.iterationInTest % queryVectors.count;
  const group = encodeFloatPlaceholderGroup([queryVectors.rowBytes(queryIndex)]);
  call(
    'search',
    'Search',
    {
      collection_name: config.collection,
      dsl: '',
      dsl_type: 'BoolExprV1',
      placeholder_group: encoding.b64encode(group.buffer),
      nq: 1,
      search_params: [
        { key: 'anns_field', value: config.vectorField },
        { key: 'topk', value: String(config.topK) },
        { key: 'metric_type', value: config.metric },
        { key: 'params', value: config.searchParamsJson },
        { key: 'round_decimal', value: '-1' },
      ],
      ...consistencyFields(),
    },
    { query_index: String(queryIndex) },
  );
}

/** This iteration's batch of the running stream, with its ids and versions as op metadata. */
function streamBatch() {
  const name = exec.scenario.name;
  const batches = streamBatches[name];
  const n = exec.scenario.iterationInTest;
  if (n >= batches.length) throw new Error(`stream ${name}: iteration ${n} but its batches file holds ${batches.length} batches`);
  const batch = batches[n];
  const metadata = { ids: batch.ids.join(',') };
  if (batch.versions) metadata.versions = batch.versions.join(',');
  return { batch, metadata };
}

function rowsRequest(batch) {
  return {
    collection_name: config.collection,
    num_rows: batch.ids.length,
    fields_data: batchFields(batch, { idField: config.idField, vectorField: config.vectorField, dim: config.dim }),
  };
}

function idList(ids) {
  return `${config.idField} in [${ids.join(',')}]`;
}

export function insert() {
  const { batch, metadata } = streamBatch();
  call('insert', 'Insert', rowsRequest(batch), metadata);
}

export function upsert() {
  const { batch, metadata } = streamBatch();
  call('upsert', 'Upsert', rowsRequest(batch), metadata);
}

export function remove() {
  const { batch, metadata } = streamBatch();
  call('delete', 'Delete', { collection_name: config.collection, expr: idList(batch.ids) }, metadata);
}

export function query() {
  const { batch, metadata } = streamBatch();
  call(
    'query',
    'Query',
    { collection_name: config.collection, expr: idList(batch.ids), output_fields: [config.idField], ...consistencyFields() },
    metadata,
  );
}
