/*
 * A small Java TLS client for the log tests: one handshake with 127.0.0.1,
 * run with -Djavax.net.debug=ssl:handshake so the JDK writes its handshake
 * debug trace to standard output.
 *
 *   java LogClient PORT SNI CA.pem [CLIENT.pem CLIENT_KEY.pem]
 *
 * The CA file (PEM) becomes the only trust anchor; the optional client
 * certificate and PKCS#8 EC key (PEM) are offered when the server asks.
 * A read timeout keeps the client from waiting forever.
 */
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public final class LogClient {
    private static byte[] pemBody(String pem) {
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(b64);
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String sni = args[1];
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(args[2]))) {
            trust.setCertificateEntry("lab-ca", cf.generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (args.length >= 5) {
            Certificate cert;
            try (InputStream in = Files.newInputStream(Path.of(args[3]))) {
                cert = cf.generateCertificate(in);
            }
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
                new PKCS8EncodedKeySpec(pemBody(Files.readString(Path.of(args[4])))));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key, "x".toCharArray(), new Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(3000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes());
            out.flush();
            s.getInputStream().read(new byte[256]);
            System.out.println("handshake done: " + s.getSession().getProtocol() + " "
                + s.getSession().getCipherSuite());
        }
    }
}
