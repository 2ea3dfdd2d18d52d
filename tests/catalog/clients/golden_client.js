// Connects to each port given, trusting only the CA file given, with SNI and
// host name "localhost"; prints "PORT<TAB>code<TAB>message" per attempt.
const tls = require('tls');
const fs = require('fs');
const [ca, ...ports] = process.argv.slice(2);
const caPem = fs.readFileSync(ca);
function attempt(port) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', servername: 'localhost', port: Number(port), ca: caPem,
      checkServerIdentity: (h, c) => tls.checkServerIdentity('localhost', c) }, () => {
      s.end(); resolve(`${port}\tok\tconnected`);
    });
    s.setTimeout(5000, () => { s.destroy(); resolve(`${port}\tTIMEOUT\ttimeout`); });
    s.on('error', (e) => resolve(`${port}\t${e.code}\t${e.message}`));
  });
}
(async () => { for (const p of ports) console.log(await attempt(p)); })();
