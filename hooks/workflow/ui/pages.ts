import { html, raw } from 'hono/html'
import { age } from 'metahooks/cli'
import type { HtmlEscapedString } from 'hono/utils/html'
import { graphSvg, layoutWorkflow, PHASE_COLOURS } from './graph.ts'
import { ACTIONS } from './live.ts'
import type { WorkflowView } from './view.ts'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1c2b39; background: #f6f8fa; }
header { background: #1c2b39; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: baseline; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
main { padding: 16px 20px; }
table { border-collapse: collapse; background: #fff; }
th, td { padding: 6px 12px; border-bottom: 1px solid #e1e6eb; text-align: left; }
.phase { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.layout { display: flex; gap: 16px; align-items: flex-start; }
.canvas { background: #fff; border: 1px solid #e1e6eb; overflow: auto; max-width: 70vw; max-height: 80vh; }
.graph .edge { fill: none; stroke: #8fa4b1; stroke-width: 1.5; }
.graph .node { cursor: pointer; }
.graph .node text { fill: #fff; font-size: 12px; pointer-events: none; }
.graph .node.selected rect, .graph .node.selected circle { stroke: #1c2b39; stroke-width: 3; }
#details { background: #fff; border: 1px solid #e1e6eb; padding: 12px; min-width: 300px; max-width: 420px; }
#details pre { white-space: pre-wrap; word-break: break-all; background: #f6f8fa; padding: 6px; }
.controls { margin: 8px 0 12px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.filters a { margin-right: 8px; }
`

/** Phase names coloured as the graph colours them. */
const phaseBadge = (phase: string) =>
  html`<span class="phase" data-phase="${phase}" style="background:${PHASE_COLOURS[phase] ?? '#f4c030'}">${phase}</span>`

export function page(title: string, mode: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · metahooks ui</title><style>${raw(STYLE)}</style></head>
<body><header><a href="/">metahooks ui</a><span>${mode}</span></header><main>${body}</main></body></html>`
}

function duration(view: WorkflowView, now: number): string {
  if (!view.startedAt) return ''
  const end = view.finishedAt ? Date.parse(view.finishedAt) : now
  const seconds = Math.max(0, Math.round((end - Date.parse(view.startedAt)) / 1000))
  return seconds < 120 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error']

export function listPage(
  views: WorkflowView[],
  mode: string,
  phase: string | undefined,
  now: number,
  liveVersion?: string,
  dropZone = false,
): Html {
  const shown = views.filter((v) => !phase || v.phase === phase)
  return page(
    'Workflows',
    mode,
    html`<h1>Workflows</h1>
<p class="filters">Phase: <a href="/">all</a>${PHASES.map((p) => html`<a href="/?phase=${p}">${p}</a>`)}</p>
<table id="workflows"><thead><tr><th>Name</th><th>Namespace</th><th>Phase</th><th>Progress</th><th>Duration</th><th>Age</th></tr></thead><tbody>
${shown.map(
  (v) =>
    html`<tr data-workflow="${v.namespace}/${v.name}"><td><a href="/workflows/${v.namespace}/${v.name}">${v.name}</a></td><td>${v.namespace}</td><td>${phaseBadge(v.phase)}</td><td>${v.progress ?? ''}</td><td>${duration(v, now)}</td><td title="${v.createdAt ?? v.startedAt ?? ''}">${(v.createdAt ?? v.startedAt) ? age(v.createdAt ?? v.startedAt, now) : ''}</td></tr>`,
)}
</tbody></table>${shown.length === 0 ? html`<p>No workflows${phase ? html` in phase ${phase}` : ''}.</p>` : ''}
${dropZone ? html`<p id="drop">Drop a workflow's YAML here, or <input type="file" id="file" accept=".yaml,.yml,.json"> — it runs in the simulator.</p><p id="drop-error"></p><script>${raw(DROP)}</script>` : ''}
${liveVersion !== undefined ? html`<p><a href="/controllers">Controllers</a></p><script>${raw(reloadOnChange('/version', liveVersion))}</script>` : ''}`,
  )
}

/** The client side: node details on click, the simulator's controls, and a refresh when the run changes. */
const SCRIPT = `
const nodes = JSON.parse(document.getElementById('nodes').textContent)
const details = document.getElementById('details')
const esc = (value) => String(value).replace(/[&<>"]/g, (c) => '&#' + c.charCodeAt(0) + ';')
const text = (label, value) => value === undefined || value === '' ? '' : '<dt>' + label + '</dt><dd>' + esc(value) + '</dd>'
function show(id) {
  const n = nodes[id]
  if (!n) return
  document.querySelectorAll('.node.selected').forEach((e) => e.classList.remove('selected'))
  document.querySelector('[data-node-id="' + CSS.escape(id) + '"]')?.classList.add('selected')
  const outputs = n.outputs ? JSON.stringify(n.outputs, null, 2) : ''
  const inputs = n.inputs ? JSON.stringify(n.inputs, null, 2) : ''
  details.innerHTML = '<h2 id="node-name">' + esc(n.displayName) + '</h2><dl>' +
    text('Phase', n.phase) + text('Type', n.type) + text('Node', n.name) + text('Template', n.templateName) + text('Pod', n.podName) +
    (window.LIVE && n.podName ? '<dt>Logs</dt><dd><a id="logs" href="' + location.pathname + '/logs/' + encodeURIComponent(n.podName) + '">main, followed</a></dd>' : '') +
    text('Started', n.startedAt) + text('Finished', n.finishedAt) + text('Exit code', n.outputs && n.outputs.exitCode) + text('Message', n.message) + '</dl>' +
    (inputs ? '<h3>Inputs</h3><pre>' + esc(inputs) + '</pre>' : '') +
    (outputs ? '<h3>Outputs</h3><pre>' + esc(outputs) + '</pre>' : '') +
    (window.SIMULATED && n.type === 'Pod' ? '<p class="decide">When it ends: <button data-outcome="succeed">succeed</button> <button data-outcome="fail">fail</button> <input id="stdout" placeholder="prints…"> <button data-outcome="print">print</button></p>' : '')
  details.dataset.node = id
}
document.querySelectorAll('.node').forEach((e) => {
  e.addEventListener('click', () => show(e.dataset.nodeId))
  e.addEventListener('keydown', (k) => { if (k.key === 'Enter') show(e.dataset.nodeId) })
})
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-metahooks-ui': '1' }, body: JSON.stringify(body || {}) })
  if (!res.ok) { alert(await res.text()); return }
  location.reload()
}
document.querySelectorAll('[data-action]').forEach((b) => b.addEventListener('click', () => post(b.dataset.action)))
details.addEventListener('click', (e) => {
  const outcome = e.target.dataset && e.target.dataset.outcome
  if (!outcome) return
  const n = nodes[details.dataset.node]
  const stdout = document.getElementById('stdout')?.value
  post(location.pathname + '/decide', { step: n.displayName, exitCode: outcome === 'fail' ? 1 : 0, ...(outcome === 'print' && { stdout }) })
})
if (window.LIVE) setInterval(async () => {
  const res = await fetch(location.pathname + '/version')
  if (res.ok && (await res.text()) !== window.VERSION) location.reload()
}, 2000)
`

/** A live page reloads when the server's version of what it shows changes (the server watches the cluster). */
const reloadOnChange = (path: string, version: string) =>
  `setInterval(async () => { const r = await fetch(${JSON.stringify(path)}); if (r.ok && (await r.text()) !== ${JSON.stringify(version)}) location.reload() }, 1000)`

/** A workflow file dropped on the list (or chosen) replaces the simulated run. */
const DROP = `
async function run(file) {
  const res = await fetch('/simulate?name=' + encodeURIComponent(file.name), { method: 'POST', headers: { 'x-metahooks-ui': '1' }, body: await file.text() })
  if (!res.ok) { document.getElementById('drop-error').textContent = await res.text(); return }
  location.href = (await res.json()).location
}
document.getElementById('file').addEventListener('change', (e) => e.target.files[0] && run(e.target.files[0]))
document.addEventListener('dragover', (e) => e.preventDefault())
document.addEventListener('drop', (e) => { e.preventDefault(); const f = e.dataTransfer.files[0]; if (f) run(f) })
`

/** \`metahooks status\` as a page. */
export function controllersPage(lines: string[], mode: string): Html {
  return page(
    'Controllers',
    mode,
    html`<h1>Controllers</h1><pre id="controllers">${lines.join('\n')}</pre>`,
  )
}

export interface GraphPageOptions {
  mode: string
  /** Simulated runs: the round so far and the controls. */
  simulated?: { rounds: number; done: boolean }
  /** Live: the page polls this version and reloads when it changes. */
  liveVersion?: string
  /** Live with --allow-actions: suspend, resume, stop and terminate while it runs, retry once it failed. */
  actions?: boolean
}

export function graphPage(view: WorkflowView, options: GraphPageOptions): Html {
  const svg = graphSvg(layoutWorkflow(view.name, view.nodes, view.templates))
  const base = `/workflows/${encodeURIComponent(view.namespace)}/${encodeURIComponent(view.name)}`
  const flags = `window.SIMULATED=${options.simulated ? 'true' : 'false'};window.LIVE=${options.liveVersion ? 'true' : 'false'};window.VERSION=${JSON.stringify(options.liveVersion ?? '')};`
  return page(
    view.name,
    options.mode,
    html`<h1>${view.name} ${phaseBadge(view.phase)}</h1>
<p id="summary">${view.namespace} · progress ${view.progress ?? '0/0'}${view.message ? html` · ${view.message}` : ''}${view.retry && view.retry.count > 0 ? html` · retried ${view.retry.count}×` : ''}${view.retry?.message ? html` · <span id="retry-message">${view.retry.message}</span>` : ''}</p>
${
  options.simulated
    ? html`<div class="controls">Round ${options.simulated.rounds}
<button data-action="${base}/step" ${options.simulated.done ? 'disabled' : ''}>Next round</button>
<button data-action="${base}/finish" ${options.simulated.done ? 'disabled' : ''}>Run to the end</button>
<button data-action="${base}/restart">Restart</button>${
        ACTIONS.retry!.offered(view.phase)
          ? html`
<button data-action="${base}/retry">Retry</button>`
          : ''
      }</div>`
    : ''
}${
  options.actions
    ? html`<div class="controls">${Object.entries(ACTIONS)
        .filter(([, a]) => a.offered(view.phase))
        .map(
          ([name, a]) => html`<button data-action="${base}/actions/${name}">${a.label}</button>`,
        )}</div>`
    : ''
}
<div class="layout"><div class="canvas">${raw(svg)}</div><aside id="details"><p>Click a node for its details.</p></aside></div>
<script type="application/json" id="nodes">${raw(JSON.stringify(view.nodes).replace(/</g, '\\u003c'))}</script>
<script>${raw(flags)}${raw(SCRIPT)}</script>`,
  )
}
