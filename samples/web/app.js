// SPDX-License-Identifier: GPL-3.0-or-later
// The sample web client: log in to a device (its encrypted store lives in IndexedDB), see
// its cells and the channels it may read, read messages with their precedence and each
// party's acknowledgement state, post with a precedence, and acknowledge for its party.
// Everything it shows comes from the SDK (./pkg/parley.mjs); this file only renders. The SDK
// decides who must acknowledge what (history()'s `mustAcknowledge` and `acks`).
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
let selected = null;  // {cell, channel, post}

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

function renderCells() {
  const list = $('cells');
  list.replaceChildren();
  for (const cell of device.cells()) {
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
      if (channel.read) li.onclick = () => select(cell.id, channel);
      channels.append(li);
    }
    item.append(channels);
    list.append(item);
  }
}

function select(cell, channel) {
  selected = { cell, channel: channel.id, post: channel.post };
  $('channel-title').textContent = channel.name + (channel.ackRequired ? ' (acknowledgements required)' : '');
  $('post-text').disabled = $('post-button').disabled = $('post-precedence').disabled = !channel.post;
  renderCells();
  renderMessages();
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

function renderMessages() {
  const list = $('messages');
  list.replaceChildren();
  if (!selected) return;
  for (const m of device.history(selected.cell, selected.channel)) list.append(renderMessage(m));
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
  const info = device.info();
  $('address').textContent = `${info.user}.${info.device}`;
  $('identity').textContent = info.identityKey;
  $('login').hidden = true;
  $('app').hidden = false;
  device.onEvent((e) => {
    window.parleyEvents.push(e);
    if (e.type === 'connected') setStatus(true);
    if (e.type === 'disconnected') setStatus(false);
    if (e.type === 'protocolError') {
      // e.g. a demo relay started afresh no longer knows a device this browser registered before.
      const hint = e.error.name === 'unknown_device' ? ' Log in with another device number or user name.' : '';
      notice(`The relay reported: ${e.error.message} (code ${e.error.code}).${hint}`);
    }
    if (e.type === 'charterChanged') {
      if (e.joined) notice('');
      renderCells();
      if (selected && e.cell === selected.cell) renderMessages();  // rights may have changed
    }
    if (/^(channelMessage|acknowledgement|messageOverdue)$/.test(e.type) && isSelected(e)) renderMessages();
  });
  renderCells();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await device.connect(`${scheme}://${location.host}/`);
  if (params.get('join')) {
    askToJoin(info, device.cells().length === 0).catch((e) => notice(`Could not ask to join: ${e.message} (code ${e.code})`));
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
window.addEventListener('pagehide', () => device && device.persist());
