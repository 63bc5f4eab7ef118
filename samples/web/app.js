// SPDX-License-Identifier: GPL-3.0-or-later
// The sample web client: log in to a device (its encrypted store lives in IndexedDB), see
// its cells and the channels it may read, read and post messages. Everything it shows
// comes from the SDK (./pkg/parley.mjs); this file only renders.
import { init } from './pkg/parley.mjs';

const $ = (id) => document.getElementById(id);
let device = null;
let selected = null;  // {cell, channel}

function setStatus(online) {
  $('status').textContent = online ? 'online' : 'offline';
  $('status').dataset.state = online ? 'online' : 'offline';
}

function renderCells() {
  const list = $('cells');
  list.replaceChildren();
  for (const cell of device.cells()) {
    const item = document.createElement('li');
    item.textContent = `${cell.name} (epoch ${cell.epoch})`;
    item.dataset.cell = cell.id;
    const channels = document.createElement('ul');
    for (const channel of cell.channels) {
      const li = document.createElement('li');
      li.className = 'channel' + (channel.read ? '' : ' no-read');
      li.dataset.channel = channel.id;
      li.dataset.read = channel.read;
      li.dataset.post = channel.post;
      li.textContent = channel.name + ' ';
      const flags = document.createElement('span');
      flags.className = 'flags';
      flags.textContent = [channel.read ? 'read' : 'no read', channel.post ? 'post' : ''].join(' ');
      li.append(flags);
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
  $('channel-title').textContent = channel.name;
  $('post-text').disabled = $('post-button').disabled = !channel.post;
  renderCells();
  renderMessages();
}

function renderMessages() {
  const list = $('messages');
  list.replaceChildren();
  if (!selected) return;
  for (const m of device.history(selected.cell, selected.channel)) {
    const li = document.createElement('li');
    const sender = document.createElement('span');
    sender.className = 'sender';
    sender.textContent = `${m.sender.user}.${m.sender.device}`;
    const epoch = document.createElement('span');
    epoch.className = 'epoch';
    epoch.textContent = `epoch ${m.epoch}`;
    li.append(sender, document.createTextNode(m.text), epoch);
    list.append(li);
  }
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
    if (e.type === 'charterChanged') renderCells();
    if (e.type === 'channelMessage' && selected && e.cell === selected.cell && e.channel === selected.channel) {
      renderMessages();
    }
  });
  renderCells();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await device.connect(`${scheme}://${location.host}/`);
}

async function post(event) {
  event.preventDefault();
  $('post-error').textContent = '';
  const text = $('post-text').value;
  if (!selected || !text) return;
  try {
    await device.post(selected.cell, selected.channel, text);
    $('post-text').value = '';
    renderMessages();
  } catch (e) {
    $('post-error').textContent = `${e.message} (code ${e.code})`;
  }
}

$('login').addEventListener('submit', login);
$('post').addEventListener('submit', post);
window.addEventListener('pagehide', () => device && device.persist());
