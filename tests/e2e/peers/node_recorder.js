#!/usr/bin/env node
// A recording upstream on Node.js's own `http` module (keep-alive, default parser settings).
//
// Usage: node node_recorder.js PORT [RECORD_FILE]   (or RECORD_FILE in the environment)
//
// Appends one JSON line per request it parsed to RECORD_FILE:
//   {"peer", "method", "target", "headers": [[name, value], ...], "body_len", "body_sha256",
//    "body_head"}   (body_head: the first 200 bytes, latin-1; body_len null when not read;
//    "incomplete": true when the connection closed before the whole body came)
// Answers 200 with a small JSON body (method, target, body_len), keep-alive, except a path
// ending in /early-405 for any method but GET/HEAD: 405 at once, before reading the body
// (what Node does with the unread rest is Node's own behaviour).
'use strict';

const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const port = parseInt(process.argv[2], 10);
const recordFile = process.argv[3] || process.env.RECORD_FILE;
if (!port || !recordFile) {
  console.error('usage: node node_recorder.js PORT RECORD_FILE');
  process.exit(2);
}

function record(entry) {
  fs.appendFileSync(recordFile, JSON.stringify(entry) + '\n');
}

function pairs(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

function entry(req, body) {
  return {
    peer: 'node',
    method: req.method,
    target: req.url,
    headers: pairs(req.rawHeaders),
    body_len: body === null ? null : body.length,
    body_sha256: body === null ? null : crypto.createHash('sha256').update(body).digest('hex'),
    body_head: body === null ? null : body.subarray(0, 200).toString('latin1'),
  };
}

function answer(req, res, status, obj) {
  const data = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': data.length});
  res.end(req.method === 'HEAD' ? undefined : data);
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (path.endsWith('/early-405') && req.method !== 'GET' && req.method !== 'HEAD') {
    record(entry(req, null));
    answer(req, res, 405, {error: 'method not allowed'});
    return;
  }
  const parts = [];
  let ended = false;
  req.on('data', (c) => parts.push(c));
  req.on('close', () => {
    if (!ended) {  // the head came, the body did not: recorded as incomplete
      record(Object.assign(entry(req, null), {incomplete: true}));
    }
  });
  req.on('end', () => {
    ended = true;
    const body = Buffer.concat(parts);
    record(entry(req, body));
    answer(req, res, 200, {method: req.method, target: req.url, body_len: body.length});
  });
  req.on('error', () => {});
});
server.keepAliveTimeout = 30000;
server.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
