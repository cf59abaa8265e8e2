// `metahooks/manifests`: everything `kubectl apply` needs, generated from the definitions, and
// the offline checks (Node only: reads and writes files).
export {
  generateManifests,
  writeManifests,
  manifestDrift,
  AUTH_SECRET,
  TLS_SECRET,
  CLIENT_TLS_SECRET,
  type GenerateOptions,
} from './generate.ts'
export { crdFor, customResourceCrds } from './crd.ts'
export {
  controllerManifest,
  type HookTarget,
  type ControllerManifestOptions,
} from './controller.ts'
export { serverManifests, DEFAULT_SERVER, type ServerOptions } from './deploy.ts'
export { metacontrollerRules, type PolicyRule } from './rbac.ts'
export { structuralSchema, structuralProblems } from './schema.ts'
export { validateManifests, formatProblem, type Problem } from './validate.ts'
export { ObjectValidator, type ObjectCheck } from './object-validator.ts'
