// Connects to each port given, trusting only the CA file given, checking the
// host name "localhost", and prints "PORT<TAB>exception text" per attempt.
// Run in single-file mode: java GoldenClient.java CA.pem PORT...
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class GoldenClient {
    public static void main(String[] args) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate ca;
        try (FileInputStream in = new FileInputStream(args[0])) {
            ca = (X509Certificate) cf.generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        for (int i = 1; i < args.length; i++) {
            int port = Integer.parseInt(args[i]);
            String result = "ok";
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
            } catch (Exception e) {
                StringBuilder sb = new StringBuilder(e.toString());
                for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                    sb.append(" | caused by: ").append(c.toString());
                }
                result = sb.toString();
            }
            System.out.println(port + "\t" + result.replace('\n', ' '));
        }
    }
}
