// Node's default TLS client (tls.connect with its defaults), one handshake per
// target.  Usage: node probe_client.js CAFILE HOST:PORT:SNI [...]
// Prints "PORT ok VERSION SUITE" or "PORT fail CODE MESSAGE" per target.
"use strict";
const fs = require("fs");
const tls = require("tls");
const ca = fs.readFileSync(process.argv[2]);
async function one(spec) {
  const [host, port, sni] = spec.split(":");
  return new Promise((resolve) => {
    const s = tls.connect({ host, port: Number(port), servername: sni, ca, timeout: 4000 }, () => {
      // a TLS 1.3 server judges the client certificate after our Finished: read its answer
      s.write("GET / HTTP/1.0\r\n\r\n");
      s.once("data", () => {
        resolve(`${port} ok ${s.getProtocol()} ${s.getCipher().standardName}`);
        s.destroy();
      });
    });
    s.on("end", () => resolve(`${port} fail closed after the handshake`));
    s.on("error", (e) => resolve(`${port} fail ${e.code || ""} ${e.message}`.replace(/\n/g, " ")));
    s.on("timeout", () => { resolve(`${port} fail TIMEOUT`); s.destroy(); });
  });
}
(async () => {
  const out = await Promise.all(process.argv.slice(3).map(one));
  for (const line of out) console.log(line);
})();
