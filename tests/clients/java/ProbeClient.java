/*
 * Java 17's default TLS client (HttpsURLConnection's stack: the default
 * SSLContext), run once per target so one JVM serves a whole batch.
 *
 *   java ProbeClient.java CAFILE HOST:PORT:SNI [HOST:PORT:SNI ...]
 *
 * For each target prints "PORT ok VERSION SUITE" or "PORT fail EXCEPTION: MESSAGE".
 * The trust store holds only CAFILE (a PEM bundle), like a client given a
 * private root; hostname checking is on (endpoint identification "HTTPS").
 */
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class ProbeClient {
    public static void main(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (FileInputStream in = new FileInputStream(args[0])) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            int i = 0;
            for (Certificate c : certs) ks.setCertificateEntry("ca" + (i++), c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        for (int a = 1; a < args.length; a++) {
            String[] t = args[a].split(":");
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(new java.net.InetSocketAddress(t[0], Integer.parseInt(t[1])), 3000);
                s.setSoTimeout(4000);
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(java.util.List.of(new SNIHostName(t[2])));
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                // a TLS 1.3 server judges the client certificate after our Finished: read its answer
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes());
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) throw new java.io.EOFException("closed after the handshake");
                System.out.println(t[1] + " ok " + s.getSession().getProtocol() + " " + s.getSession().getCipherSuite());
            } catch (Exception e) {
                Throwable root = e;
                String msg = e.getClass().getName() + ": " + e.getMessage();
                while (root.getCause() != null) root = root.getCause();
                if (root != e) msg += " <- " + root.getClass().getName() + ": " + root.getMessage();
                System.out.println(t[1] + " fail " + msg.replace('\n', ' '));
            }
        }
    }
}
