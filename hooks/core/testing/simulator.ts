import type { KObject } from '../contract/objects.ts'
import type { ControllerDefinition } from '../define.ts'
import { finalizerName, type HookOutcome } from '../run.ts'
import { manageChildren } from './children.ts'
import { Cluster, deepEqual, describeObject } from './cluster.ts'
import { advance, outcomeFromAnnotations, type PodOutcomeFn } from './kubelet.ts'
import {
  claimChildren,
  controllerRefTo,
  decoratorSelects,
  isDeleting,
  ownerReferences,
} from './ownership.ts'
import { customizeRules, hookFor, requestFor } from './requests.ts'
import { statusDiff } from './diff.ts'

import {
  APPLY_STRATEGIES,
  defaultCall,
  finalizers,
  patchMap,
  withFinalizers,
  type Action,
  type ActionType,
  type ApplyStrategy,
  type Round,
  type RunResult,
  type SimulationOptions,
} from './simulation-model.ts'

export {
  APPLY_STRATEGIES,
  type Action,
  type ActionType,
  type ApplyStrategy,
  type Round,
  type RunResult,
  type SimulationOptions,
} from './simulation-model.ts'

/**
 * A Metacontroller simulator over an in-memory cluster (contract §4–§5): one round is one sync
 * pass — customize, claim, call the hook, apply the response — followed by one step of the world.
 * Documented simplifications: deletions take effect at once (no grace period); RollingRecreate
 * and RollingInPlace behave like Recreate and InPlace but change at most one child per type per
 * round (no status checks, no ControllerRevisions); arrays are replaced, not merged by key.
 */
export class Simulation {
  readonly cluster: Cluster
  readonly definition: ControllerDefinition
  readonly #parentRef: { apiVersion: string; kind: string; name: string; namespace?: string }
  readonly #kubelet: boolean
  readonly #outcome: PodOutcomeFn
  readonly #call: NonNullable<SimulationOptions['call']>
  readonly #serverSideApply: boolean
  #round = 0
  #resyncAt: number | undefined

  constructor(definition: ControllerDefinition, options: SimulationOptions) {
    this.definition = definition
    this.cluster = new Cluster(options.startTime)
    this.#kubelet = (options.kubelet ?? 'auto') === 'auto'
    this.#outcome = options.podOutcome ?? outcomeFromAnnotations
    this.#call = options.call ?? defaultCall
    this.#serverSideApply = options.applyStrategy === 'server-side-apply'
    for (const o of options.objects ?? []) this.cluster.create(o)
    const { metadata } = options.parent
    this.#parentRef = {
      apiVersion: options.parent.apiVersion,
      kind: options.parent.kind,
      name: metadata.name,
      ...(metadata.namespace && { namespace: metadata.namespace }),
    }
    this.cluster.create(options.parent)
    this.#addFinalizer()
  }

  /** Metacontroller adds its finalizer before the first hook call — to a decorated object only while selected. */
  #addFinalizer(): void {
    const parent = this.parent
    if (!parent || !this.definition.finalize || isDeleting(parent)) return
    if (this.definition.type === 'decorator' && !decoratorSelects(this.definition, parent)) return
    const name = finalizerName(this.definition)
    if (!finalizers(parent).includes(name))
      this.cluster.update(withFinalizers(parent, [...finalizers(parent), name]))
  }

  /** The parent as the cluster holds it now; undefined once it is gone. */
  get parent(): KObject | undefined {
    return this.cluster.get(this.#parentRef)
  }

  objects(): KObject[] {
    return this.cluster.list()
  }

  /** The parent's status as the cluster holds it now. */
  get status(): Record<string, any> | undefined {
    return (this.parent as { status?: Record<string, any> } | undefined)?.status
  }

  /** Everything the parent owns (directly), sorted. */
  children(): KObject[] {
    const uid = this.parent?.metadata.uid
    return this.cluster
      .list()
      .filter((o) => uid !== undefined && ownerReferences(o).some((r) => r.uid === uid))
  }

  /** Edit the parent as a user would (`kubectl apply`); generation moves when its spec changes. */
  updateParent(edit: (parent: KObject) => KObject): void {
    const current = this.parent
    if (!current) throw new Error('the parent is gone')
    this.cluster.update(edit(structuredClone(current)))
  }

  /**
   * `kubectl delete`: with finalizers the parent gets a deletionTimestamp (and finalize runs on the
   * next rounds); without, it goes at once and garbage collection takes what it owned.
   */
  deleteParent(): Action[] {
    const current = this.parent
    if (!current) return []
    if (finalizers(current).length > 0) {
      this.cluster.update({
        ...current,
        metadata: { ...current.metadata, deletionTimestamp: this.cluster.time },
      } as KObject)
      return [
        {
          type: 'updated',
          object: describeObject(current),
          detail: `deletionTimestamp set; waiting for ${finalizers(current).join(', ')}`,
        },
      ]
    }
    this.cluster.remove(current)
    return [
      { type: 'removed', object: describeObject(current) },
      ...this.cluster
        .collectGarbage()
        .map((o): Action => ({ type: 'garbage-collected', object: describeObject(o) })),
    ]
  }

  /** One sync pass plus one step of the world. */
  async step(): Promise<Round> {
    const round: Round = {
      index: ++this.#round,
      time: this.cluster.time,
      hook: 'none',
      actions: [],
    }
    const parent = this.parent
    if (parent) await this.#syncPass(parent, round)
    if (this.#kubelet) this.#advanceWorld(round)
    this.cluster.now += 1000
    return round
  }

  async #syncPass(initial: KObject, round: Round): Promise<void> {
    const def = this.definition
    const act = (type: ActionType, o: KObject, detail?: string) =>
      round.actions.push({ type, object: describeObject(o), ...(detail && { detail }) })
    this.#addFinalizer()
    const parent = this.parent ?? initial
    // A decorated object its selectors no longer pick, with nothing to finalize: left alone.
    if (
      def.type === 'decorator' &&
      !decoratorSelects(def, parent) &&
      !finalizers(parent).includes(finalizerName(def))
    )
      return
    const hook = hookFor(def, parent)
    round.hook = hook

    if (def.type === 'composite') {
      const claim = claimChildren(def, parent, this.cluster.list())
      for (const o of claim.adopt) {
        this.cluster.update({
          ...o,
          metadata: {
            ...o.metadata,
            ownerReferences: [...ownerReferences(o), controllerRefTo(parent)],
          },
        } as KObject)
        act('adopted', o)
      }
      for (const o of claim.release) {
        this.cluster.update({
          ...o,
          metadata: {
            ...o.metadata,
            ownerReferences: ownerReferences(o).filter((r) => r.uid !== parent.metadata.uid),
          },
        } as KObject)
        act('released', o)
      }
    }

    let outcome: HookOutcome
    try {
      const rules = await customizeRules(def, parent)
      const request = requestFor(def, { parent, objects: this.cluster.list(), rules })
      outcome = await this.#call(def, hook, request, new Date(this.cluster.now))
    } catch (error) {
      round.error = { status: 0, message: (error as Error).message }
      return
    }
    if (!outcome.ok) {
      round.error = { status: outcome.status, message: outcome.message }
      return
    }
    const response = outcome.response as Record<string, unknown>

    const resync = response.resyncAfterSeconds as number | undefined
    if (resync !== undefined && resync > 0) {
      round.resyncAfterSeconds = resync
      const at = this.cluster.now + resync * 1000
      this.#resyncAt = this.#resyncAt === undefined ? at : Math.min(this.#resyncAt, at)
    }

    let current = this.cluster.get(this.#parentRef)!
    const ourFinalizer = finalizerName(def)
    const hadFinalizer = finalizers(current).includes(ourFinalizer)
    if (response.finalized === true && hadFinalizer) {
      current = this.cluster.update(
        withFinalizers(
          current,
          finalizers(current).filter((f) => f !== ourFinalizer),
        ),
      )
      act('finalized', current, `removed finalizer ${ourFinalizer}`)
    }

    const finishing =
      isDeleting(current) || (def.type === 'decorator' && !decoratorSelects(def, current))
    if (!finishing || hadFinalizer) {
      const desired = (
        def.type === 'composite' ? response.children : response.attachments
      ) as KObject[]
      manageChildren(
        {
          definition: this.definition,
          cluster: this.cluster,
          serverSideApply: this.#serverSideApply,
          act,
          fail: (message) => (round.error ??= { status: 422, message }),
        },
        current,
        desired,
      )
    }

    current = this.cluster.get(this.#parentRef)!
    let next = current
    if (def.type === 'composite') {
      const status = {
        ...(response.status as Record<string, unknown>),
        observedGeneration: current.metadata.generation,
      }
      if (!deepEqual(status, (current as { status?: unknown }).status)) {
        act('status', current, statusDiff((current as { status?: unknown }).status, status))
        next = { ...next, status } as KObject
      }
    } else {
      for (const field of ['labels', 'annotations'] as const) {
        const patch = response[field] as Record<string, string | null> | undefined
        if (!patch) continue
        const patched = patchMap(current.metadata[field], patch)
        if (!deepEqual(patched, current.metadata[field] ?? {})) {
          act(
            field,
            current,
            Object.entries(patch)
              .map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`))
              .join(' '),
          )
          next = { ...next, metadata: { ...next.metadata, [field]: patched } }
        }
      }
      if (
        response.status !== null &&
        response.status !== undefined &&
        !deepEqual(response.status, (current as { status?: unknown }).status)
      ) {
        act(
          'status',
          current,
          statusDiff((current as { status?: unknown }).status, response.status),
        )
        next = { ...next, status: response.status } as KObject
      }
    }
    if (next !== current) current = this.cluster.update(next)

    if (isDeleting(current) && finalizers(current).length === 0) {
      this.cluster.remove(current)
      act('removed', current)
      for (const o of this.cluster.collectGarbage()) act('garbage-collected', o)
    }
  }

  #advanceWorld(round: Round): void {
    for (const o of this.cluster.list()) {
      const step = advance(o, this.cluster.time, this.#outcome)
      if (!step) continue
      this.cluster.update({ ...o, status: step.status } as KObject)
      round.actions.push({ type: 'kubelet', object: describeObject(o), detail: step.note })
      for (const created of step.create ?? []) {
        if (
          this.cluster.get({
            ...created,
            name: created.metadata.name,
            namespace: created.metadata.namespace,
          })
        )
          continue
        this.cluster.create(created)
        round.actions.push({
          type: 'kubelet',
          object: describeObject(created),
          detail: `created for ${describeObject(o)}`,
        })
      }
    }
  }

  /** The world as a fingerprint: everything but counters and times. */
  #fingerprint(): string {
    return JSON.stringify(
      this.cluster.list().map((o) => {
        const {
          resourceVersion: _rv,
          creationTimestamp: _ct,
          ...metadata
        } = o.metadata as Record<string, unknown>
        return { ...o, metadata }
      }),
    )
  }

  /**
   * Runs rounds until the world is quiet (a round with no action and no error, including — with
   * `followResync` — the round a pending resyncAfterSeconds wakes), the parent is gone, the same error repeats, the
   * world flaps back to an earlier state, or `maxRounds` is reached.
   */
  async run({
    maxRounds = 50,
    followResync = true,
  }: {
    maxRounds?: number
    followResync?: boolean
  } = {}): Promise<RunResult> {
    const rounds: Round[] = []
    const seen = new Set<string>([this.#fingerprint()])
    let lastError: string | undefined
    let errorRepeats = 0
    while (rounds.length < maxRounds) {
      if (!this.parent)
        return { rounds, converged: true, reason: 'the parent is gone and its children collected' }
      const round = await this.step()
      rounds.push(round)
      if (round.error) {
        const message = `${round.error.status} ${round.error.message}`
        errorRepeats = message === lastError ? errorRepeats + 1 : 1
        lastError = message
        if (errorRepeats >= 3)
          return { rounds, converged: false, reason: `the hook keeps failing: ${message}` }
        continue
      }
      lastError = undefined
      if (!this.parent)
        return { rounds, converged: true, reason: 'the parent is gone and its children collected' }
      if (round.actions.length === 0) {
        if (followResync && this.#resyncAt !== undefined && this.#resyncAt > this.cluster.now) {
          this.cluster.now = this.#resyncAt
          this.#resyncAt = undefined
          const woken = await this.step()
          rounds.push(woken)
          if (woken.actions.length === 0 && !woken.error)
            return { rounds, converged: true, reason: 'quiet after its resync' }
          continue
        }
        return { rounds, converged: true, reason: 'quiet: no action in the last round' }
      }
      const fingerprint = this.#fingerprint()
      if (seen.has(fingerprint))
        return {
          rounds,
          converged: false,
          reason: 'flapping: the world came back to an earlier state',
        }
      seen.add(fingerprint)
    }
    return { rounds, converged: false, reason: `not quiet after ${maxRounds} rounds` }
  }
}
