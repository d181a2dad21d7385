// An independent GELF receiver for the end-to-end tests: graygelf's server decodes UDP (chunked, gzip, zlib,
// plain); TCP input is NUL-delimited JSON, as Graylog's GELF TCP input reads it. Each decoded message is printed
// as one JSON line on stdout. Usage: node gelf-receiver.js udp|tcp PORT
'use strict'
const net = require('net')
const GrayGelfServer = require('graygelf/server')

const [transport, portText] = process.argv.slice(2)
const port = Number(portText)
const print = message => process.stdout.write(JSON.stringify(message) + '\n')

if (transport === 'udp') {
  const server = GrayGelfServer()
  server.on('message', print)
  server.on('error', error => process.stderr.write('gelf-receiver: ' + error.message + '\n'))
  server.listen(port, '127.0.0.1')
  server._udp.on('listening', () => process.stderr.write('listening\n'))
} else {
  const server = net.createServer(socket => {
    let pending = Buffer.alloc(0)
    socket.on('data', data => {
      pending = Buffer.concat([pending, data])
      let end
      while ((end = pending.indexOf(0)) >= 0) {
        print(JSON.parse(pending.subarray(0, end).toString('utf8')))
        pending = pending.subarray(end + 1)
      }
    })
    socket.on('error', () => {})
  })
  server.listen(port, '127.0.0.1', () => process.stderr.write('listening\n'))
}
