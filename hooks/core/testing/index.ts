// The test kit: build Metacontroller's requests, render one hook call, simulate many rounds,
// check invariants, run golden cases. Node-only (reads files); never bundled into the Worker.
export {
  compositeRequest,
  decoratorRequest,
  requestFor,
  customizeRules,
  hookFor,
} from './requests.ts'
export { relatedObjects } from './related.ts'
export { claimChildren, decoratorAttachments, parentSelector } from './ownership.ts'
export { render, asStored, ownObserved, type Rendered, type RenderInput } from './render.ts'
export { finalizerName } from '../run.ts'
export {
  Simulation,
  type Round,
  type RunResult,
  type Action,
  type SimulationOptions,
} from './simulator.ts'
export {
  advance,
  outcomeFromAnnotations,
  EXIT_CODE_ANNOTATION,
  MESSAGE_ANNOTATION,
  type PodOutcome,
} from './kubelet.ts'
export {
  assertDeterministic,
  assertIdempotent,
  assertRejected,
  assertResponseValid,
  assertValidBuiltins,
  InvariantError,
} from './invariants.ts'
export {
  loadGoldenCases,
  runGoldenCase,
  compareGolden,
  updateGoldenCase,
  type GoldenCase,
} from './golden.ts'
export { loadObjects, parseObjects, loadOne, InputError } from './files.ts'
export { checkConformance, type Scenario } from './conformance.ts'
