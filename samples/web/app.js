// SPDX-License-Identifier: GPL-3.0-or-later
// The sample web client: log in to a device (its encrypted store lives in the browser's
// Origin Private File System, run by the SDK in its own Worker: every query is a Promise), see
// its cells and the channels it may read, read messages with their precedence and each
// party's acknowledgement state, post with a precedence, and acknowledge for its party; on
// the selected channel, open and work on incidents (disputes) and post deconfliction notices.
// Everything it shows comes from the SDK (./pkg/parley.mjs); this file only renders. The SDK
// decides who must acknowledge what (history()'s `mustAcknowledge` and `acks`) and what an
// incident operation may do: the page hides buttons that could only be refused (hints from
// the state the SDK reports) and shows the SDK's error for anything else it refuses.
//
// URL parameters (scripts/demo prints such a URL): `user` fills in the user name; `join`
// (e.g. us_sup.1) names a supervisor device that this page greets after each login, in an
// end-to-end-encrypted message carrying this device's identity key: the demo's supervisor adds
// a device it does not know yet to its cell (and its SY member posts a new report to
// acknowledge). Real deployments compare identity keys out of band.
import { init } from './pkg/parley.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let device = null;
let selected = null;  // {cell, channel, post, ackRequired, party, supervisorParty}

function setStatus(online) {
  $('status').textContent = online ? 'online' : 'offline';
  $('status').dataset.state = online ? 'online' : 'offline';
}

function notice(text) {
  $('notice').textContent = text || '';
  $('notice').hidden = !text;
}

function span(className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

// Renders are asynchronous (the SDK answers from its Worker): only the latest of each kind
// draws, so an older answer never overwrites a newer one.
const latest = {};
async function fresh(kind, query) {
  const ticket = (latest[kind] = (latest[kind] || 0) + 1);
  const value = await query();
  return ticket === latest[kind] ? value : null;
}

async function renderCells() {
  const cells = await fresh('cells', () => device.cells());
  if (!cells) return;
  const list = $('cells');
  list.replaceChildren();
  for (const cell of cells) {
    const item = document.createElement('li');
    item.textContent = `${cell.name} (epoch ${cell.epoch}) `;
    if (cell.party) item.append(span('flags', `you: ${cell.party} ${cell.role}`));
    item.dataset.cell = cell.id;
    const channels = document.createElement('ul');
    for (const channel of cell.channels) {
      const li = document.createElement('li');
      li.className = 'channel' + (channel.read ? '' : ' no-read');
      li.dataset.channel = channel.id;
      li.dataset.read = channel.read;
      li.dataset.post = channel.post;
      li.dataset.ackRequired = channel.ackRequired;
      li.textContent = channel.name + ' ';
      const flags = [channel.read ? 'read' : 'no read', channel.post ? 'post' : ''];
      if (channel.ackRequired) flags.push('ack required');
      li.append(span('flags', flags.filter(Boolean).join(' · ')));
      if (selected && selected.cell === cell.id && selected.channel === channel.id) li.classList.add('selected');
      if (channel.read) li.onclick = () => select(cell, channel);
      channels.append(li);
    }
    item.append(channels);
    list.append(item);
  }
}

function select(cell, channel) {
  selected = { cell: cell.id, channel: channel.id, post: channel.post, ackRequired: channel.ackRequired,
    party: cell.party, supervisorParty: cell.supervisorParty };
  $('channel-title').textContent = channel.name + (channel.ackRequired ? ' (acknowledgements required)' : '');
  $('post-text').disabled = $('post-button').disabled = $('post-precedence').disabled = !channel.post;
  // Respondents: the other parties but the supervisor's (the SDK checks it again).
  const respondents = cell.parties.filter((p) => p !== cell.party && p !== cell.supervisorParty);
  $('incident-respondent').replaceChildren(...respondents.map((p) => new Option(p, p)));
  for (const id of ['incident-open-button', 'notice-button']) $(id).disabled = !channel.post;
  $('notice-post').title = channel.ackRequired ? '' : 'Notices need a channel that requires acknowledgements';
  if (!$('notice-start').value) $('notice-start').value = localInput(Date.now() + 3600 * 1000);
  $('hotline').hidden = false;
  $('incident-error').textContent = $('notice-error').textContent = '';
  renderCells();
  renderMessages();
  renderIncidents();
  renderNotices();
}

const party = (ref) => `${ref.sender.user}.${ref.sender.device}`;
const time = (ms) => new Date(ms).toLocaleString();
// A datetime-local input's value for `ms` (local time).
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function button(label, className, onclick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  b.onclick = () => onclick(b);
  return b;
}

function list(items) {
  const ul = document.createElement('ul');
  for (const item of items) {
    const li = document.createElement('li');
    li.textContent = item;
    ul.append(li);
  }
  return ul;
}

// Runs an SDK call from a button; a refusal is shown in `errorId`, with its code.
async function attempt(errorId, fn, b) {
  $(errorId).textContent = '';
  if (b) b.disabled = true;
  try {
    await fn();
  } catch (e) {
    $(errorId).textContent = `${e.message} (code ${e.code})`;
  }
  if (b) b.disabled = false;
}

// One incident: title, state, sides, severity, acknowledgements, comments, proposals (each
// with its agreements and an Agree button), and the operations this party may try.
function renderIncident(i) {
  const li = document.createElement('li');
  li.className = 'incident';
  li.dataset.id = i.id;
  li.dataset.state = i.state;
  const state = span('state', i.state);
  state.dataset.state = i.state;
  li.append(span('title', i.title), state, document.createElement('br'),
    span('meta', `${i.openerParty} → ${i.respondentParty} · ${i.severity} · opened ${time(i.openedAt)} by ${party(i.openedBy)}`));
  if (i.details) li.append(document.createElement('br'), span('details', i.details));
  const acks = Object.keys(i.acknowledged);
  if (acks.length) li.append(document.createElement('br'), span('meta', `acknowledged by ${acks.join(', ')}`));
  if (i.comments.length) li.append(list(i.comments.map((c) => `${c.party}: ${c.text}`)));
  const mine = selected.party;
  const involved = mine === i.openerParty || mine === i.respondentParty;
  const supervisor = mine === selected.supervisorParty;
  const open = i.state !== 'resolved';
  const update = (action) => (b) => attempt('incident-error', async () => {
    await device.updateIncident(selected.cell, selected.channel, i.id, action());
    renderIncidents();
  }, b);
  if (i.proposals.length) {
    const proposals = document.createElement('ul');
    for (const p of i.proposals) {
      const item = document.createElement('li');
      item.className = 'proposal';
      item.dataset.id = p.ref.id;
      item.append(span('text', `${p.party} proposes: ${p.text} `), span('meta', `agreed: ${p.agreed.join(', ')}`));
      if (open && selected.post && ((involved && !p.agreed.includes(mine)) || supervisor)) {
        item.append(' ', button(supervisor ? 'Resolve with this' : 'Agree', 'agree-button',
          update(() => ({ type: 'resolve', proposal: p.ref, text: supervisor ? 'Resolved by the supervisor' : 'Agreed' }))));
      }
      proposals.append(item);
    }
    li.append(proposals);
  }
  if (i.resolution) {
    const r = i.resolution;
    li.append(span('meta', `resolved by ${r.by} ${time(r.at)}${r.text ? `: ${r.text}` : ''}`));
  }
  if (!selected.post) return li;
  const actions = document.createElement('div');
  actions.className = 'actions';
  const text = document.createElement('input');
  text.className = 'incident-text';
  text.placeholder = open ? 'Comment or proposal' : 'Comment';
  const said = () => {
    const value = text.value;
    text.value = '';
    return value;
  };
  actions.append(text, button('Comment', 'comment-button', update(() => ({ type: 'comment', text: said() }))));
  if (open && (involved || supervisor)) {
    actions.append(button('Propose', 'propose-button', update(() => ({ type: 'propose', text: said() }))));
  }
  if (open && (mine === i.respondentParty || supervisor) && !(mine in i.acknowledged)) {
    actions.append(button('Acknowledge', 'incident-ack-button', update(() => ({ type: 'acknowledge' }))));
  }
  if (open && supervisor) {
    actions.append(button('Resolve', 'resolve-button', update(() => ({ type: 'resolve', text: said() }))));
  }
  li.append(actions);
  return li;
}

async function renderIncidents() {
  if (!selected) return;
  try {
    const incidents = await fresh('incidents', () => device.incidents(selected.cell, selected.channel));
    if (incidents) $('incidents').replaceChildren(...incidents.map(renderIncident));
  } catch (e) {
    $('incident-error').textContent = `${e.message} (code ${e.code})`;
  }
}

function describeArea(area) {
  if (area.circle) return `circle ${area.circle.lat.toFixed(4)}, ${area.circle.lon.toFixed(4)} r ${area.circle.radiusM} m`;
  return `polygon of ${area.polygon.length} points`;
}

// One notice: party, area, window, description; conflicts highlighted; acknowledgements.
function renderNotice(n, byId) {
  const li = document.createElement('li');
  li.className = 'notice' + (n.conflicts.length ? ' conflict' : '');
  li.dataset.id = n.id;
  li.dataset.sender = `${n.sender.user}.${n.sender.device}`;
  li.append(span('sender', `${n.party} (${n.sender.user}.${n.sender.device}) `), span('text', n.description || '—'),
    document.createElement('br'),
    span('meta', `${describeArea(n.area)} · ${time(n.window.start)} – ${time(n.window.end)}`));
  if (n.conflicts.length) {
    const others = n.conflicts.map((c) => (byId.get(c.id) ? `${byId.get(c.id).party}: ${byId.get(c.id).description || c.id.slice(0, 8)}` : c.id.slice(0, 8)));
    li.append(document.createElement('br'), span('conflict-note', `⚠ conflicts with ${others.join('; ')}`));
  }
  for (const [p, state] of Object.entries(n.acks)) {
    const a = span('ack', `${p}: ${state}`);
    a.dataset.party = p;
    a.dataset.state = state;
    li.append(a);
  }
  if (n.mustAcknowledge) {
    li.append(' ', button('Acknowledge', 'ack-button', (b) => attempt('notice-error', async () => {
      await device.acknowledge(selected.cell, selected.channel, n.sender, n.id);
      renderNotices();
    }, b)));
  }
  return li;
}

async function renderNotices() {
  if (!selected) return;
  try {
    const notices = await fresh('notices', () => device.notices(selected.cell, selected.channel));
    if (!notices) return;
    const byId = new Map(notices.map((n) => [n.id, n]));
    $('notices').replaceChildren(...notices.map((n) => renderNotice(n, byId)));
  } catch (e) {
    $('notice-error').textContent = `${e.message} (code ${e.code})`;
  }
}

function openIncident(event) {
  event.preventDefault();
  if (!selected) return;
  attempt('incident-error', async () => {
    await device.openIncident(selected.cell, selected.channel, {
      title: $('incident-title').value, severity: $('incident-severity').value,
      respondentParty: $('incident-respondent').value,
    });
    $('incident-title').value = '';
    renderIncidents();
  });
}

function postNotice(event) {
  event.preventDefault();
  if (!selected) return;
  const start = new Date($('notice-start').value).getTime();
  attempt('notice-error', async () => {
    await device.postNotice(selected.cell, selected.channel, {
      area: { circle: { lat: Number($('notice-lat').value), lon: Number($('notice-lon').value),
        radiusM: Number($('notice-radius').value) } },
      window: { start, end: start + Math.round(Number($('notice-hours').value) * 3600 * 1000) },
      description: $('notice-description').value,
    });
    $('notice-description').value = '';
    renderNotices();
  });
}

// One message: sender, text (childNodes[1], the tests read it), epoch, precedence, each
// required party's state, and an Acknowledge button when this device's party owes one.
function renderMessage(m) {
  const li = document.createElement('li');
  li.dataset.id = m.id;
  li.dataset.sender = `${m.sender.user}.${m.sender.device}`;
  li.dataset.precedence = m.precedence;
  li.append(span('sender', `${m.sender.user}.${m.sender.device}`), span('text', m.text),
    span('epoch', `epoch ${m.epoch}`));
  if (m.precedence !== 'routine') {
    const p = span('precedence', m.precedence.toUpperCase());
    p.dataset.precedence = m.precedence;
    li.append(p);
  }
  for (const [party, state] of Object.entries(m.acks)) {
    const a = span('ack', `${party}: ${state}`);
    a.dataset.party = party;
    a.dataset.state = state;
    li.append(a);
  }
  if (m.mustAcknowledge) {
    const button = document.createElement('button');
    button.className = 'ack-button';
    button.textContent = 'Acknowledge';
    button.onclick = () => acknowledge(m, button);
    li.append(button);
  }
  return li;
}

async function renderMessages() {
  const list = $('messages');
  if (!selected) {
    list.replaceChildren();
    return;
  }
  const history = await fresh('messages', () => device.history(selected.cell, selected.channel));
  if (!history) return;
  list.replaceChildren();
  for (const m of history) list.append(renderMessage(m));
}

async function acknowledge(m, button) {
  $('post-error').textContent = '';
  button.disabled = true;
  try {
    await device.acknowledge(selected.cell, selected.channel, m.sender, m.id);
  } catch (e) {
    $('post-error').textContent = `${e.message} (code ${e.code})`;
  }
  renderMessages();
}

const isSelected = (e) => selected && e.cell === selected.cell && e.channel === selected.channel;

// A Welcome that matched no anchor: never joined by itself. The person compares the
// supervisor's fingerprint with the one they were given, then accepts or declines.
function showInvitation(invitation) {
  notice(`Invitation to "${invitation.name}" from ${invitation.from.user}.${invitation.from.device}, ` +
    `supervisor fingerprint ${invitation.fingerprintDigits}. Accept only if it matches the one you were given.`);
  for (const [label, answer] of [['Accept', () => device.acceptInvitation(invitation.genesis)],
    ['Decline', () => device.declineInvitation(invitation.genesis)]]) {
    const button = document.createElement('button');
    button.textContent = label;
    button.dataset.genesis = invitation.genesis;
    button.addEventListener('click', () => answer().then(() => notice(''),
      (e) => notice(`${label} failed: ${e.message} (code ${e.code})`)));
    $('notice').append(' ', button);
  }
}

// Greets the supervisor device named by ?join= (see the comment on top).
async function askToJoin(info, waiting) {
  const [user, number] = params.get('join').split('.');
  const to = { user, device: Number(number) || 1 };
  await device.sendText(to, JSON.stringify({ join: info.identityKey }));
  if (waiting) notice(`Asked ${user}.${to.device} to add this device to its cell; waiting for the charter…`);
}

async function login(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const user = $('user').value.trim();
  const deviceId = Number($('device').value) || 1;
  try {
    const parley = await init();
    device = await parley.openDevice({
      path: `/parley/${user}.${deviceId}.db`, passphrase: $('passphrase').value, user, device: deviceId,
    });
  } catch (e) {
    $('login-error').textContent = `${e.message} (code ${e.code})`;
    return;
  }
  window.parleyDevice = device;  // for the browser tests and the console
  window.parleyEvents = [];
  const info = await device.info();
  $('address').textContent = `${info.user}.${info.device}`;
  $('identity').textContent = info.identityKey;
  $('login').hidden = true;
  $('app').hidden = false;
  device.onEvent(async (e) => {
    window.parleyEvents.push(e);
    if (e.type === 'connected') setStatus(true);
    if (e.type === 'disconnected') setStatus(false);
    if (e.type === 'protocolError') {
      // e.g. a demo relay started afresh no longer knows a device this browser registered before.
      const hint = e.error.name === 'unknown_device' ? ' Log in with another device number or user name.' : '';
      notice(`The relay reported: ${e.error.message} (code ${e.error.code}).${hint}`);
    }
    if (e.type === 'invitationReceived') showInvitation(e);
    if (e.type === 'charterChanged') {
      if (e.joined) notice('');
      renderCells();
      if (selected && e.cell === selected.cell) {  // rights may have changed
        const cell = (await device.cells()).find((c) => c.id === selected.cell);
        const channel = cell && cell.channels.find((c) => c.id === selected.channel);
        if (channel && channel.read) select(cell, channel);
        else renderMessages();
      }
    }
    if (/^(channelMessage|acknowledgement|messageOverdue)$/.test(e.type) && isSelected(e)) renderMessages();
    if (e.type === 'incidentUpdated' && isSelected(e)) renderIncidents();
    if (/^(noticeReceived|noticesConflict|acknowledgement|messageOverdue)$/.test(e.type) && isSelected(e)) renderNotices();
  });
  // ?anchor= is the supervisor's join anchor, handed over with the link (out of band): cells
  // it creates join this device; any other Welcome is only shown as an invitation.
  if (params.get('anchor')) {
    try {
      await device.addJoinAnchor(params.get('anchor'));
    } catch (e) {
      notice(`The link's join anchor is not valid: ${e.message} (code ${e.code})`);
    }
  }
  renderCells();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await device.connect(`${scheme}://${location.host}/`);
  if (params.get('join')) {
    askToJoin(info, (await device.cells()).length === 0).catch((e) => notice(`Could not ask to join: ${e.message} (code ${e.code})`));
  }
}

async function post(event) {
  event.preventDefault();
  $('post-error').textContent = '';
  const text = $('post-text').value;
  if (!selected || !text) return;
  try {
    await device.post(selected.cell, selected.channel, text, { precedence: $('post-precedence').value });
    $('post-text').value = '';
    $('post-precedence').value = 'routine';  // a FLASH is a choice per message, never sticky
    renderMessages();
  } catch (e) {
    $('post-error').textContent = `${e.message} (code ${e.code})`;
  }
}

if (params.get('user')) $('user').value = params.get('user');
$('login').addEventListener('submit', login);
$('post').addEventListener('submit', post);
$('incident-open').addEventListener('submit', openIncident);
$('notice-post').addEventListener('submit', postNotice);
// Only the IndexedDB fallback needs it (on OPFS every commit is already on disk).
window.addEventListener('pagehide', () => device && device.persist().catch(() => {}));
